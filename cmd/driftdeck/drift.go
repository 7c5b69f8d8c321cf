package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// driftJSON is the documented --json output of `driftdeck drift`.
type driftJSON struct {
	Baseline   string          `json:"baseline"`
	TakenAt    time.Time       `json:"taken_at"`
	Drift      bool            `json:"drift"`
	Incomplete bool            `json:"incomplete"`
	Compared   int             `json:"compared"`
	Findings   []drift.Finding `json:"findings"`
}

// baselinePath is --baseline, else baseline.yaml in the state directory.
func (o *options) baselinePath() (string, error) {
	if o.baseline != "" {
		return o.baseline, nil
	}
	p := o.stateDir + "/baseline.yaml"
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", errors.New("no baseline: capture one with `driftdeck baseline capture > baseline.yaml` and pass --baseline baseline.yaml")
}

func newDriftCommand(opts *options) *cobra.Command {
	var asJSON, detailed bool
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Compare the live configuration with the baseline",
		Long: `drift reads the live configuration of the zones in the baseline and reports what was
added, removed or changed, with a severity and a field-level diff. Resources that could
not be read completely are reported as unknown, never as removed.

Exit status with --detailed-exitcode (terraform's convention): 0 no drift, 2 drift,
1 error (including "some resources could not be compared and no drift was found").
Without it: 0 unless an error occurred.`,
		Example: `  driftdeck drift --baseline baseline.yaml --detailed-exitcode
  driftdeck drift --baseline baseline.yaml --json | jq '.findings[] | select(.severity=="high")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := opts.baselinePath()
			if err != nil {
				return err
			}
			base, err := drift.Load(path)
			if err != nil {
				return err
			}
			acct, err := opts.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer acct.Close()
			zones := make([]string, 0, len(base.Zones))
			for z := range base.Zones {
				zones = append(zones, z)
			}
			sort.Strings(zones)
			snap, err := acct.cf.Snapshot(cmd.Context(), infra.Scope{Zones: zones})
			if err != nil {
				return fmt.Errorf("read the live configuration: %w", err)
			}
			if len(snap.Zones) == 0 && !snap.ZonesFetch.Complete {
				return fmt.Errorf("cannot read the zone list, so nothing was compared: %s", snap.ZonesFetch.Error)
			}
			rep := drift.Compare(base, snap, nil)
			out := cmd.OutOrStdout()
			if asJSON {
				err = writeJSON(out, driftJSON{Baseline: path, TakenAt: snap.TakenAt, Drift: rep.HasDrift(), Incomplete: rep.Incomplete(), Compared: rep.Compared, Findings: nonNil(rep.Findings)})
			} else {
				printDrift(out, rep)
			}
			if err != nil {
				return err
			}
			switch {
			case rep.HasDrift() && detailed:
				return &exitError{code: 2}
			case rep.Incomplete():
				fmt.Fprintln(cmd.ErrOrStderr(), "driftdeck: some resources could not be read completely; no verdict for them.")
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (stable, documented in the README)")
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when drift is found (0 none, 1 error)")
	return cmd
}

func nonNil(fs []drift.Finding) []drift.Finding {
	if fs == nil {
		return []drift.Finding{}
	}
	return fs
}

// writeJSON prints v as indented JSON whose bytes are safe on a terminal.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = w.Write(append(sanitize.JSON(b), '\n'))
	return err
}

func printDrift(w io.Writer, rep drift.Report) {
	if len(rep.Findings) == 0 {
		fmt.Fprintf(w, "No drift: %d resources match the baseline.\n", rep.Compared)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tZONE\tKIND\tWHAT\tID")
	for _, f := range rep.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(string(f.Severity)), sanitize.Hostname(f.Zone), f.Kind, sanitize.Line(f.Summary), f.ID)
	}
	tw.Flush()
	var drifted, unknown int
	for _, f := range rep.Findings {
		if f.Kind == drift.Unknown {
			unknown++
		} else {
			drifted++
		}
	}
	fmt.Fprintf(w, "\n%d drifted, %d unknown, %d compared.\n", drifted, unknown, rep.Compared)
}

func newBaselineCommand(opts *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Manage the baseline (the desired configuration)",
	}
	var zones, envs []string
	capture := &cobra.Command{
		Use:   "capture",
		Short: "Write the live configuration as a baseline YAML to stdout",
		Long: `capture reads the live configuration (DNS records, zone settings, custom firewall rules,
rate-limit rules, Workers routes) and prints it as a baseline in a stable order, so that
it diffs cleanly in git. Zones are marked production unless --env says otherwise; the
environment raises severities and tightens policy.`,
		Example: `  driftdeck baseline capture --zone example.com --env example.com=production > baseline.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			environments := map[string]string{}
			for _, e := range envs {
				zone, env, ok := strings.Cut(e, "=")
				if !ok || zone == "" || env == "" {
					return fmt.Errorf("flag --env: %q is not ZONE=ENVIRONMENT", e)
				}
				environments[zone] = env
			}
			acct, err := opts.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer acct.Close()
			snap, err := acct.cf.Snapshot(cmd.Context(), infra.Scope{Zones: zones})
			if err != nil {
				return fmt.Errorf("read the live configuration: %w", err)
			}
			if len(snap.Zones) == 0 && !snap.ZonesFetch.Complete {
				return fmt.Errorf("cannot read the zone list: %s", snap.ZonesFetch.Error)
			}
			if len(zones) > 0 && len(snap.Zones) < len(zones) {
				return fmt.Errorf("flag --zone: found %d of the %d zones asked for; check the names and the token's zones", len(snap.Zones), len(zones))
			}
			for _, z := range snap.Zones {
				if _, ok := environments[z.Name]; !ok {
					environments[z.Name] = "production"
				}
			}
			base, err := drift.Capture(snap, environments, drift.Ignore{})
			if err != nil {
				return err
			}
			data, err := base.Marshal()
			if err != nil {
				return err
			}
			// YAML cannot escape bidi or zero-width characters in plain
			// scalars: a file gets the exact data, a terminal visible stand-ins.
			if isTerminal(cmd.OutOrStdout()) {
				data = []byte(sanitize.Text(string(data)))
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	capture.Flags().StringSliceVar(&zones, "zone", nil, "zone name to capture (repeatable; default all zones)")
	capture.Flags().StringArrayVar(&envs, "env", nil, "ZONE=ENVIRONMENT, e.g. example.net=staging (repeatable)")
	cmd.AddCommand(capture)
	return cmd
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

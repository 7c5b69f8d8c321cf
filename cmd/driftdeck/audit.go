package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/agent/journal"
)

func newAuditCommand(opts *options) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The tamper-evident journal: verify it, report from it"}
	var asJSON bool
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Recompute the journal's hash chain; names the first broken event",
		Long: `verify recomputes the SHA-256 chain over every journal event. Exit 0 when it holds;
exit 1 naming the first broken event otherwise. Keep the printed head hash somewhere
else (a ticket): a chain can prove nothing was changed before it, not that nothing
was cut off after it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			j, err := openJournal(cmd, opts)
			if err != nil {
				return err
			}
			defer j.Close()
			res, err := j.Verify(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else if res.OK {
				fmt.Fprintf(cmd.OutOrStdout(), "Journal OK: %d events, head #%d %s\n", res.Count, res.HeadSeq, res.HeadHash)
			}
			if !res.OK {
				b := res.FirstBroken
				return fmt.Errorf("journal broken at event #%d (%s, %s): %s; %d events before it verify", b.Seq, b.Type, b.Time.UTC().Format(time.RFC3339), b.Reason, res.Count)
			}
			return nil
		},
	})
	var since time.Duration
	report := &cobra.Command{
		Use:   "report",
		Short: "Change-management evidence: every card, its policy, review, approvals and result",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			j, err := openJournal(cmd, opts)
			if err != nil {
				return err
			}
			defer j.Close()
			to := time.Now()
			rep, err := j.Report(cmd.Context(), to.Add(-since), to)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), rep.Markdown())
			return err
		},
	}
	report.Flags().DurationVar(&since, "since", 7*24*time.Hour, "how far back the report goes")
	cmd.AddCommand(report)
	return cmd
}

func openJournal(cmd *cobra.Command, opts *options) (*journal.Journal, error) {
	path := filepath.Join(opts.stateDir, "journal.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no journal at %s (set --state-dir or DRIFTDECK_STATE_DIR to the console's state directory)", path)
	}
	return journal.Open(cmd.Context(), path, journal.Options{})
}

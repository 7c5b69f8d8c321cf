package main

import (
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

func newSimCommand(_ *options) *cobra.Command {
	var (
		listen   string
		scenario string
		speed    float64
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the Cloudflare API simulator alone",
		Long: `sim serves a stateful simulator of the Cloudflare API subset driftdeck uses, under
/client/v4/, with control endpoints under /__sim/ (loopback only). It prints the base
URL and the tokens of the scenario, then serves until interrupted.

The built-in scenario "incident" has zones example.com (production), example.net
(staging) and example.org (API); at --speed 1 a traffic spike on example.org and an
out-of-band change on example.com happen within the first 2 minutes.`,
		Example: `  driftdeck sim --listen 127.0.0.1:8787 --scenario incident --speed 10
  CLOUDFLARE_API_BASE_URL=http://127.0.0.1:8787/client/v4 CLOUDFLARE_API_TOKEN=... driftdeck drift`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if speed <= 0 {
				return fmt.Errorf("flag --speed: %v is not a positive number", speed)
			}
			if _, _, err := net.SplitHostPort(listen); err != nil {
				return fmt.Errorf("flag --listen: %q is not HOST:PORT", listen)
			}
			sc, err := cfsim.LoadScenario(scenario)
			if err != nil {
				return err
			}
			srv, err := cfsim.New(sc, cfsim.Options{Speed: speed})
			if err != nil {
				return fmt.Errorf("start the simulator: %w", err)
			}
			if err := srv.Start(listen); err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			defer srv.Close()

			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "driftdeck simulator: scenario %q at %gx speed (simulated time %s)\n", scenario, speed, srv.Now().UTC().Format(time.RFC3339))
			fmt.Fprintf(out, "base URL:  %s\n", srv.BaseURL())
			fmt.Fprintf(out, "control:   %s  (state, stats, mutate, traffic, faults)\n", srv.ControlURL())
			fmt.Fprintf(out, "account:   %s\n", srv.AccountID())
			fmt.Fprintln(out, "tokens:")
			for _, t := range srv.Tokens() {
				zones := "all zones"
				if len(t.Zones) > 0 {
					zones = fmt.Sprint(t.Zones)
				}
				fmt.Fprintf(out, "  %-16s %s  (%v, %s)\n", t.Name, t.Value, t.Scopes, zones)
			}
			fmt.Fprintf(out, "\ntry:\n  export CLOUDFLARE_API_BASE_URL=%s\n", srv.BaseURL())
			if toks := srv.Tokens(); len(toks) > 0 {
				fmt.Fprintf(out, "  export CLOUDFLARE_API_TOKEN=%s\n", toks[0].Value)
			}
			fmt.Fprintln(out, "serving until interrupted (Ctrl-C)")
			<-cmd.Context().Done()
			fmt.Fprintln(out, "simulator stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8787", "address to listen on (HOST:PORT; keep it on loopback)")
	cmd.Flags().StringVar(&scenario, "scenario", "incident", `built-in scenario name ("incident") or a scenario YAML file`)
	cmd.Flags().Float64Var(&speed, "speed", 1, "simulated time runs this many times faster than wall time")
	return cmd
}

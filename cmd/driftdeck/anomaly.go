package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/agent/anomaly"
)

func newAnomalyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "anomaly",
		Short: "Anomaly detection tools",
	}
	var in, out string
	score := &cobra.Command{
		Use:   "score",
		Short: "Score a time series: timestamp,value in; timestamp,value,anomaly_score out",
		Long: fmt.Sprintf(`score runs driftdeck's streaming anomaly detector over a CSV with a header naming
"timestamp" and "value" (timestamps "YYYY-MM-DD HH:MM:SS" or RFC 3339, oldest first) and
writes "timestamp,value,anomaly_score" with scores in [0,1]. The first 15%% of the series
(at most 750 points) is the learning period and scores 0. The console raises a finding
at a score of %.2f or more.`, anomaly.ProductionThreshold),
		Example: `  driftdeck anomaly score --in requests.csv --out scored.csv
  driftdeck anomaly score --in - --out - < requests.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" || out == "" {
				return fmt.Errorf("flags --in and --out are required (use - for stdin/stdout)")
			}
			var r io.Reader = cmd.InOrStdin()
			if in != "-" {
				f, err := os.Open(in)
				if err != nil {
					return fmt.Errorf("flag --in: %w", err)
				}
				defer f.Close()
				r = f
			}
			tab, err := anomaly.ReadTable(r)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			scores := anomaly.ScoreSeries(tab.Times, tab.Values, anomaly.DefaultConfig())
			// Write to a temporary file and rename, so a failure never
			// leaves a half-written output behind.
			if out == "-" {
				w := bufio.NewWriter(cmd.OutOrStdout())
				if err := anomaly.WriteScoredTable(w, tab, scores); err != nil {
					return err
				}
				return w.Flush()
			}
			tmp, err := os.CreateTemp(filepath.Dir(out), ".driftdeck-score-*")
			if err != nil {
				return fmt.Errorf("flag --out: %w", err)
			}
			defer os.Remove(tmp.Name())
			w := bufio.NewWriter(tmp)
			if err := anomaly.WriteScoredTable(w, tab, scores); err != nil {
				tmp.Close()
				return fmt.Errorf("write %s: %w", out, err)
			}
			if err := w.Flush(); err != nil {
				tmp.Close()
				return fmt.Errorf("write %s: %w", out, err)
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			return nil
		},
	}
	score.Flags().StringVar(&in, "in", "", "input CSV (timestamp,value), or - for stdin")
	score.Flags().StringVar(&out, "out", "", "output CSV (timestamp,value,anomaly_score), or - for stdout")
	cmd.AddCommand(score)
	return cmd
}

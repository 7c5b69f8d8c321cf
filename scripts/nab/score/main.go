// Command score runs driftdeck's anomaly detector over every CSV under a NAB
// data directory and writes one scored CSV per file, same relative path, for
// nabscore.py. Flags override single parameters for robustness checks.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/driftdeck/driftdeck/agent/anomaly"
)

func main() {
	dataDir := flag.String("data", "/work/shared/nab/data", "NAB data directory")
	outDir := flag.String("out", "", "results directory to write")
	cfg := anomaly.DefaultConfig() // the product's parameters; flags vary one for robustness checks
	flag.IntVar(&cfg.RestPoints, "rest", cfg.RestPoints, "rest points after an alert (0: a fifth of the learning period)")
	flag.IntVar(&cfg.Bins, "bins", cfg.Bins, "quantisation levels")
	flag.IntVar(&cfg.ContextLen, "context", cfg.ContextLen, "longest context")
	flag.Float64Var(&cfg.RangeTolerance, "tol", cfg.RangeTolerance, "range tolerance")
	flag.IntVar(&cfg.AverageWindow, "avg", cfg.AverageWindow, "short-term average window")
	flag.IntVar(&cfg.HistoryWindow, "hist", cfg.HistoryWindow, "long-term history window")
	flag.Float64Var(&cfg.Threshold, "threshold", cfg.Threshold, "alert threshold")
	restFraction := flag.Float64("rest-fraction", 0, "rest for this fraction of each file's learning period (0: the default fifth)")
	printThreshold := flag.Bool("print-threshold", false, "print the detector's fixed production threshold and exit")
	flag.Parse()
	if *printThreshold {
		fmt.Println(cfg.Threshold)
		return
	}
	if *outDir == "" {
		fmt.Fprintln(os.Stderr, "score: -out is required")
		os.Exit(2)
	}
	if err := run(*dataDir, *outDir, cfg, *restFraction); err != nil {
		fmt.Fprintf(os.Stderr, "score: %v\n", err)
		os.Exit(1)
	}
}

func run(dataDir, outDir string, cfg anomaly.Config, restFraction float64) error {
	return filepath.WalkDir(dataDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".csv") {
			return err
		}
		rel, err := filepath.Rel(dataDir, path)
		if err != nil {
			return fmt.Errorf("relative path of %s: %w", path, err)
		}
		return scoreFile(path, filepath.Join(outDir, rel), cfg, restFraction)
	})
}

func scoreFile(in, out string, cfg anomaly.Config, restFraction float64) error {
	f, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("open data file: %w", err)
	}
	defer f.Close()
	tab, err := anomaly.ReadTable(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if restFraction > 0 {
		cfg.RestPoints = max(int(restFraction*float64(anomaly.ProbationPoints(len(tab.Values)))), 1)
	}
	scores := anomaly.ScoreSeries(tab.Times, tab.Values, cfg)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("create results directory: %w", err)
	}
	w, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("create results file: %w", err)
	}
	if err := anomaly.WriteScoredTable(w, tab, scores); err != nil {
		w.Close()
		return fmt.Errorf("%s: %w", out, err)
	}
	return w.Close()
}

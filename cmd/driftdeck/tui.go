package main

import (
	"context"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/watch"
	"github.com/driftdeck/driftdeck/internal/app"
	"github.com/driftdeck/driftdeck/internal/console"
	"github.com/driftdeck/driftdeck/providers/ollama"
	"github.com/driftdeck/driftdeck/ui"
)

func newTUICommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "tui",
		Short: "The on-call console (the default command)",
		Long: `tui opens the console: chat with the agent, cards to approve or reject, drift and anomaly
panes, and a status bar. Without CLOUDFLARE_API_TOKEN and --cf-base-url it runs in
sandbox mode against an embedded simulator with a scripted incident. Press ? for keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runConsole(cmd.Context(), opts) },
	}
}

// runConsole wires the engine, starts the watchers and runs the TUI until
// the engineer quits.
func runConsole(ctx context.Context, o *options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, llmClient, acct, err := o.openLive(ctx)
	if err != nil {
		return err
	}
	defer acct.Close()
	defer a.Close()

	con := console.New(a, llmClient, console.Options{Sandbox: acct.sandbox != nil, Account: acct.label(), Model: o.model})
	go con.WatchModel(ctx)
	runEngine(ctx, a)

	_, noColor := os.LookupEnv("NO_COLOR")
	p := tea.NewProgram(ui.New(con, ui.Options{NoColor: noColor}), tea.WithContext(ctx))
	_, err = p.Run()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// openLive connects and assembles the engine for a long-running front end
// (the console, the bastion). The caller closes the app, then the account.
func (o *options) openLive(ctx context.Context) (*app.App, *ollama.Client, *account, error) {
	acct, err := o.connect(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	base, err := o.consoleBaseline(ctx, acct)
	if err != nil {
		acct.Close()
		return nil, nil, nil, err
	}
	// A day and a bit of history lets the anomaly detectors learn the daily
	// cycle before the first live minute.
	a, llmClient, err := o.assemble(ctx, acct, base, watch.Config{TrafficHistory: 26 * time.Hour})
	if err != nil {
		acct.Close()
		return nil, nil, nil, err
	}
	return a, llmClient, acct, nil
}

// runEngine starts the engine's background work (watchers, expiry, card
// forwarding); it stops when ctx ends.
func runEngine(ctx context.Context, a *app.App) {
	go a.Watcher.Run(ctx)
	go func() { _ = a.Proposals.RunExpiry(ctx, 30*time.Second) }()
	go a.ForwardProposals(ctx)
}

// consoleBaseline is --baseline (or the state directory's baseline.yaml);
// in sandbox mode without one, the simulator's starting state, so the
// scripted incident shows up as drift.
func (o *options) consoleBaseline(ctx context.Context, acct *account) (*drift.Baseline, error) {
	if path, err := o.baselinePath(); err == nil {
		return drift.Load(path)
	}
	if acct.sandbox == nil {
		return nil, nil // the drift pane says how to capture one
	}
	snap, err := acct.cf.Snapshot(ctx, infra.Scope{})
	if err != nil {
		return nil, fmt.Errorf("read the sandbox's starting state: %w", err)
	}
	return drift.Capture(snap, acct.environments, drift.Ignore{})
}

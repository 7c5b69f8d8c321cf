package main

import (
	"context"
	"fmt"
	"os"

	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/policy"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/agent/watch"
	"github.com/driftdeck/driftdeck/internal/app"
	"github.com/driftdeck/driftdeck/providers/ollama"
)

// openEngine connects to Cloudflare (or the sandbox) and assembles the engine
// for a one-shot command. The caller closes both.
func (o *options) openEngine(ctx context.Context) (*app.App, *account, error) {
	acct, err := o.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	var base *drift.Baseline
	if path, err := o.baselinePath(); err == nil {
		if base, err = drift.Load(path); err != nil {
			acct.Close()
			return nil, nil, err
		}
	}
	a, _, err := o.assemble(ctx, acct, base, watch.Config{})
	if err != nil {
		acct.Close()
		return nil, nil, err
	}
	return a, acct, nil
}

// assemble builds the engine over a connected account and settles cards a
// dead process left executing. Every front end goes through here.
func (o *options) assemble(ctx context.Context, acct *account, base *drift.Baseline, wc watch.Config) (*app.App, *ollama.Client, error) {
	if acct.readOnlyToken && !o.readOnly {
		fmt.Fprintln(os.Stderr, "driftdeck: the API token can only read, so driftdeck runs read-only (no write tools, no approvals).")
		o.readOnly = true
	}
	llmClient, err := ollama.New(ollama.Config{Host: o.ollamaHost, Model: o.model, NumCtx: o.numCtx})
	if err != nil {
		return nil, nil, err
	}
	secrets := []string{}
	if acct.token != "" {
		secrets = append(secrets, acct.token)
	}
	if t := os.Getenv("CLOUDFLARE_API_TOKEN"); t != "" && t != acct.token {
		secrets = append(secrets, t)
	}
	a, err := app.Open(ctx, acct.cf, app.Options{
		StateDir: o.stateDir, PolicyDir: o.policyDir, Baseline: base,
		Model: o.model, ReviewModel: o.reviewModel, LLM: llmClient, ReadOnly: o.readOnly,
		Policy:  policy.Config{AllowedCIDRs: o.allowedCIDRs, AllowedHostnames: o.allowedHosts, ScopeZones: o.scopeZones},
		Secrets: secrets, Now: acct.now, Environments: acct.environments, ReconcileGrace: o.reconcileGrace,
		Watch: wc,
	})
	if err != nil {
		return nil, nil, err
	}
	if acct.relay != nil {
		acct.relay.bus.Store(a.Bus)
	}
	// A card left "executing" by a process that died is settled against the
	// live state now, before anything else touches the queue.
	if done, err := a.Proposals.Reconcile(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "driftdeck: reconcile interrupted cards: %v\n", err)
	} else {
		for _, p := range done {
			fmt.Fprintf(os.Stderr, "driftdeck: %s was interrupted while executing; reconciled as %s: %s\n", p.ID, p.Status, resultMessage(p))
		}
	}
	return a, llmClient, nil
}

func resultMessage(p *proposal.Proposal) string {
	if p.Result != nil {
		return sanitize.Line(p.Result.Message)
	}
	return "no result recorded"
}

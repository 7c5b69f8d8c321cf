package main

import (
	"context"
	"os"

	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/internal/app"
	"github.com/driftdeck/driftdeck/providers/ollama"
)

// openEngine connects to Cloudflare (or the sandbox) and assembles the engine.
// The caller closes both.
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
	llmClient, err := ollama.New(ollama.Config{Host: o.ollamaHost, Model: o.model})
	if err != nil {
		acct.Close()
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
		Model: o.model, LLM: llmClient, ReadOnly: o.readOnly,
		Secrets: secrets, Now: acct.now,
	})
	if err != nil {
		acct.Close()
		return nil, nil, err
	}
	return a, acct, nil
}

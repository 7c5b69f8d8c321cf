package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/watch"
	"github.com/driftdeck/driftdeck/providers/cloudflare"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

// account is a connected Cloudflare (real or the embedded simulator).
type account struct {
	cf      *cloudflare.Client
	sandbox *cfsim.Server // nil when talking to a real account
	now     func() time.Time
	token   string // kept only to register it as a secret with the journal
	// environments labels the sandbox's zones (production, staging, ...).
	environments map[string]string
	// readOnlyToken is set when the token's own policies say it cannot write.
	readOnlyToken bool
	// relay forwards the client's throttling news to the engine's bus once
	// there is one, so a 429 shows in the status bar while callers wait.
	relay *throttleRelay
}

// throttleRelay publishes the Cloudflare client's throttling events.
type throttleRelay struct{ bus atomic.Pointer[bus.Bus] }

func (r *throttleRelay) onEvent(e cloudflare.Event) {
	b := r.bus.Load()
	if b == nil || e.Kind == cloudflare.EventBudget {
		return // per-request budget updates reach the UI with each feed
	}
	b.Publish(bus.Event{Topic: watch.TopicBudget, Payload: e.Budget})
}

func (a *account) Close() {
	if a.sandbox != nil {
		_ = a.sandbox.Close()
	}
}

// label names the account for status lines: SANDBOX or the base URL.
func (a *account) label() string {
	if a.sandbox != nil {
		return "SANDBOX"
	}
	return "Cloudflare"
}

// useSandbox: no token and no base URL (or --sandbox) means the embedded simulator.
func (o *options) useSandbox() bool {
	return o.sandbox || (os.Getenv("CLOUDFLARE_API_TOKEN") == "" && o.cfBaseURL == "")
}

// connect returns a client for the configured account, starting the embedded
// simulator with the incident scenario in sandbox mode.
func (o *options) connect(ctx context.Context) (*account, error) {
	if !o.useSandbox() {
		token := os.Getenv("CLOUDFLARE_API_TOKEN")
		if token == "" {
			return nil, errors.New("CLOUDFLARE_API_TOKEN is not set: export a token, or drop --cf-base-url to use the sandbox")
		}
		relay := &throttleRelay{}
		cf, err := cloudflare.New(cloudflare.Config{BaseURL: o.cfBaseURL, Token: token, AccountID: o.account, OnEvent: relay.onEvent})
		if err != nil {
			return nil, err
		}
		// Check the token once: a disabled or expired one gets a clear
		// sentence now rather than 403s later.
		info, err := cf.VerifyToken(ctx)
		if err != nil {
			// Account-owned tokens cannot use the user verify endpoint;
			// the calls that follow will say plainly if the token is bad.
			fmt.Fprintf(os.Stderr, "driftdeck: could not verify the API token (%v); continuing.\n", err)
			return &account{cf: cf, now: time.Now, token: token, relay: relay}, nil
		}
		if info.Status != "" && info.Status != "active" {
			return nil, fmt.Errorf("the API token is %s: create a new one in the Cloudflare dashboard", info.Status)
		}
		return &account{cf: cf, now: time.Now, token: token, readOnlyToken: info.Known && !info.CanWrite, relay: relay}, nil
	}
	sc, err := cfsim.BuiltinScenario("incident")
	if err != nil {
		return nil, err
	}
	srv, err := cfsim.New(sc, cfsim.Options{})
	if err != nil {
		return nil, fmt.Errorf("start the sandbox simulator: %w", err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start the sandbox simulator: %w", err)
	}
	token := srv.Token("sandbox-write")
	relay := &throttleRelay{}
	cf, err := cloudflare.New(cloudflare.Config{BaseURL: srv.BaseURL(), Token: token, AccountID: srv.AccountID(), Now: srv.Now, OnEvent: relay.onEvent})
	if err != nil {
		srv.Close()
		return nil, err
	}
	// The sandbox starts fresh every time, so its cards and journal do too:
	// a run's state lives in its own directory, kept for `audit report`.
	o.stateDir = filepath.Join(o.stateDir, "sandbox", time.Now().UTC().Format("20060102T150405.000"))
	envs := map[string]string{}
	for _, z := range sc.Zones {
		envs[z.Name] = z.Environment
	}
	return &account{cf: cf, sandbox: srv, now: srv.Now, token: token, environments: envs, relay: relay}, nil
}

// statePath returns a file in the state directory, creating the directory.
func (o *options) statePath(name string) (string, error) {
	if err := os.MkdirAll(o.stateDir, 0o700); err != nil {
		return "", fmt.Errorf("create state directory %s: %w", o.stateDir, err)
	}
	return filepath.Join(o.stateDir, name), nil
}

// Package simtest starts the Cloudflare simulator for tests, with a real
// provider client talking to it over loopback.
package simtest

import (
	"testing"

	"github.com/driftdeck/driftdeck/providers/cloudflare"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

// Incident runs the built-in incident scenario on 127.0.0.1 until the test
// ends and returns it with a provider client using the sandbox-write token
// and the simulator's clock. configure, when given, adjusts the client's
// configuration (an HTTP client that validates exchanges, say).
func Incident(tb testing.TB, opts cfsim.Options, configure ...func(*cloudflare.Config)) (*cfsim.Server, *cloudflare.Client) {
	tb.Helper()
	sc, err := cfsim.BuiltinScenario("incident")
	if err != nil {
		tb.Fatal(err)
	}
	return Start(tb, sc, opts, configure...)
}

// Start runs scenario sc like Incident does.
func Start(tb testing.TB, sc *cfsim.Scenario, opts cfsim.Options, configure ...func(*cloudflare.Config)) (*cfsim.Server, *cloudflare.Client) {
	tb.Helper()
	srv, err := cfsim.New(sc, opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	cfg := cloudflare.Config{BaseURL: srv.BaseURL(), Token: srv.Token("sandbox-write"), Now: srv.Now}
	for _, c := range configure {
		c(&cfg)
	}
	cf, err := cloudflare.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return srv, cf
}

package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/internal/cfspec"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

// simT0 is the simulated start; traffic and audit windows are relative to it.
var simT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// startSim runs a scenario on loopback with a manual clock.
func startSim(tb testing.TB, sc *cfsim.Scenario) (*cfsim.Server, *cfsim.ManualClock) {
	tb.Helper()
	clock := cfsim.NewManualClock(simT0)
	srv, err := cfsim.New(sc, cfsim.Options{Clock: clock})
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	return srv, clock
}

func startIncident(tb testing.TB) (*cfsim.Server, *cfsim.ManualClock) {
	tb.Helper()
	sc, err := cfsim.BuiltinScenario("incident")
	if err != nil {
		tb.Fatal(err)
	}
	return startSim(tb, sc)
}

func simToken(tb testing.TB, srv *cfsim.Server, name string) string {
	tb.Helper()
	tok := srv.Token(name)
	if tok == "" {
		tb.Fatalf("the scenario has no token %s", name)
	}
	return tok
}

// simClient is a provider client for the simulator; the account id is left
// to discovery, as with a real token and no --account.
func simClient(tb testing.TB, srv *cfsim.Server, clock *cfsim.ManualClock, token string, mods ...func(*Config)) *Client {
	tb.Helper()
	cfg := Config{BaseURL: srv.BaseURL(), Token: simToken(tb, srv, token), Now: clock.Now}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// control posts to the simulator's control API.
func control(tb testing.TB, srv *cfsim.Server, path string, body any) {
	tb.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := http.Post(srv.ControlURL()+path, "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(res.Body)
		tb.Fatalf("control %s: %d %s", path, res.StatusCode, msg)
	}
}

// fault is one /__sim/faults rule.
type fault struct {
	Method      string `json:"method,omitempty"`
	Path        string `json:"path"`
	Status      int    `json:"status,omitempty"`
	RetryAfter  int    `json:"retry_after,omitempty"`
	Latency     string `json:"latency,omitempty"`
	InvalidJSON bool   `json:"invalid_json,omitempty"`
	Truncate    bool   `json:"truncate,omitempty"`
	After       int    `json:"after,omitempty"`
	Count       int    `json:"count,omitempty"`
}

func injectFaults(tb testing.TB, srv *cfsim.Server, faults ...fault) {
	tb.Helper()
	control(tb, srv, "/faults", faults)
}

// generatedScenario has zones zone0.test ... with n A records each.
func generatedScenario(tb testing.TB, zones, records int) *cfsim.Scenario {
	tb.Helper()
	var b strings.Builder
	b.WriteString("seed: 7\naccount: {id: 0123456789abcdef0123456789abcdef, name: Bench}\n")
	b.WriteString("tokens:\n  - {name: bench-write, value: cfsim-bench-write-0000000000000000, scopes: [read, write]}\n")
	b.WriteString("zones:\n")
	for z := range zones {
		fmt.Fprintf(&b, "  - name: zone%d.test\n    settings: {ssl: full, min_tls_version: \"1.2\"}\n    records:\n", z)
		for i := range records {
			fmt.Fprintf(&b, "      - {type: A, name: h%d, content: 192.0.%d.%d}\n", i, (i/250)%250, i%250+1)
		}
	}
	sc, err := cfsim.ParseScenario("generated", []byte(b.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// contractSpec is Cloudflare's OpenAPI spec, loaded once per test binary.
var contractSpec = sync.OnceValues(func() (*cfspec.Spec, error) { return cfspec.Load(context.Background()) })

// contractClient is simClient whose every exchange with the simulator is
// validated against Cloudflare's OpenAPI spec (from cloudflare-go v7.9.0,
// with the documented quirks of internal/cfspec): the contract tests.
func contractClient(tb testing.TB, srv *cfsim.Server, clock *cfsim.ManualClock, token string, mods ...func(*Config)) *Client {
	tb.Helper()
	spec, err := contractSpec()
	if err != nil {
		tb.Fatalf("load Cloudflare's OpenAPI spec: %v", err)
	}
	validating := &http.Client{Transport: spec.Transport(http.DefaultTransport, func(err error) {
		tb.Errorf("the simulator's exchange violates Cloudflare's OpenAPI spec: %v", err)
	})}
	return simClient(tb, srv, clock, token, append([]func(*Config){func(c *Config) { c.HTTPClient = validating }}, mods...)...)
}

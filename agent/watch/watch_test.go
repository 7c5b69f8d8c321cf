package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/internal/simtest"
	"github.com/driftdeck/driftdeck/providers/cloudflare"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

var t0 = time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)

// fixture is the incident scenario on a manual clock, a real provider
// client, and a baseline captured before anything happened.
type fixture struct {
	srv   *cfsim.Server
	clock *cfsim.ManualClock
	cf    *cloudflare.Client
	base  *drift.Baseline
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := cfsim.NewManualClock(t0)
	srv, cf := simtest.Incident(t, cfsim.Options{Clock: clock})
	snap, err := cf.Snapshot(context.Background(), infra.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := drift.Capture(snap, map[string]string{"example.net": "staging"}, drift.Ignore{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, clock: clock, cf: cf, base: base}
}

func (f *fixture) post(t *testing.T, path string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(f.srv.ControlURL()+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("POST %s: %d %v", path, resp.StatusCode, e)
	}
}

// mutateWWW changes www.example.com's content as a dashboard user would.
func (f *fixture) mutateWWW(t *testing.T) {
	t.Helper()
	snap, err := f.cf.Snapshot(context.Background(), infra.Scope{Zones: []string{"example.com"}, Resources: []infra.Resource{infra.ResDNSRecords}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range snap.Zones[0].Records {
		if r.Name == "www.example.com" {
			after := r
			after.Type, after.Content, after.Proxied = "A", "198.51.100.99", false
			b, _ := json.Marshal(after)
			f.post(t, "/mutate", map[string]any{"actor": "alice@example.com", "change": infra.Change{Kind: infra.DNSUpdate, Zone: "example.com", Target: r.ID, After: b}})
			return
		}
	}
	t.Fatal("no www.example.com record in the scenario")
}

func TestOutOfBandChangeIsFoundThroughTheAuditLogWithin15Seconds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := bus.New()
	sub := b.Subscribe(TopicDrift)
	w := New(Config{Baseline: f.base, Now: f.clock.Now}, f.cf, b, nil)
	if err := w.FullSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if rep := w.Drift().Report; rep.HasDrift() || rep.Incomplete() {
		t.Fatalf("drift before any change: %+v", rep.Findings)
	}
	if err := w.TailAudit(ctx); err != nil { // primes the cursor
		t.Fatal(err)
	}

	changedAt := f.clock.Now()
	f.mutateWWW(t)
	callsBefore := f.cf.Calls()
	f.clock.Advance(10 * time.Second) // the next audit tick
	if err := w.TailAudit(ctx); err != nil {
		t.Fatal(err)
	}
	st := w.Drift()
	if !st.Report.HasDrift() || len(st.Report.Findings) != 1 {
		t.Fatalf("want exactly the www change, got %+v", st.Report.Findings)
	}
	fd := st.Report.Findings[0]
	if fd.Zone != "example.com" || fd.Resource != infra.ResDNSRecords || fd.Key != "A www.example.com" && fd.Key != "CNAME www.example.com" {
		t.Fatalf("finding = %+v", fd)
	}
	if len(st.Trigger) < 6 || st.Trigger[:6] != "audit:" {
		t.Fatalf("found by %q, not through the audit log", st.Trigger)
	}
	if lag := f.clock.Now().Sub(changedAt); lag > 15*time.Second {
		t.Fatalf("found after %s of simulated time", lag)
	}
	// The tail re-read only what changed: one audit page and the zone's records.
	if calls := f.cf.Calls() - callsBefore; calls > 3 {
		t.Fatalf("the audit path cost %d API calls", calls)
	}
	// The UI saw it on the bus.
	var last DriftState
	for sub.Pending() > 0 {
		e, _ := sub.Next(ctx)
		last = e.Payload.(DriftState)
	}
	if !last.Report.HasDrift() {
		t.Fatal("the drift was not published")
	}
}

func TestFaultsDuringASnapshotNeverProduceRemoved(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	w := New(Config{Baseline: f.base, Now: f.clock.Now}, f.cf, bus.New(), nil)
	faults := []map[string]any{
		{"method": "GET", "path": "/zones/*/dns_records", "status": 500},
		{"method": "GET", "path": "/zones/*/settings", "invalid_json": true},
		{"method": "GET", "path": "/zones/*/rulesets/phases/*/entrypoint", "status": 503},
	}
	f.post(t, "/faults", faults)
	_ = w.FullSnapshot(ctx)
	rep := w.Drift().Report
	if !rep.Incomplete() {
		t.Fatalf("faults went unnoticed: %+v", rep.Findings)
	}
	for _, fd := range rep.Findings {
		if fd.Kind == drift.Removed || fd.Kind == drift.Added {
			t.Fatalf("a failed fetch produced %s: %+v", fd.Kind, fd)
		}
	}
}

func TestFailedRefreshMarksDriftStale(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := bus.New()
	sub := b.Subscribe(TopicFeed)
	w := New(Config{Baseline: f.base, Now: f.clock.Now}, f.cf, b, nil)
	if err := w.FullSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	f.post(t, "/faults", []map[string]any{{"method": "GET", "path": "/zones", "status": 429, "retry_after": 1}})
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = w.FullSnapshot(ctx2)
	if st := w.Drift(); !st.Stale {
		t.Fatal("a failed refresh left the drift looking fresh")
	}
	stale := false
	for sub.Pending() > 0 {
		e, _ := sub.Next(ctx)
		if fs := e.Payload.(FeedStatus); fs.Feed == "snapshot" && fs.Stale {
			stale = true
		}
	}
	if !stale {
		t.Fatal("no stale feed status was published")
	}
}

func TestTrafficFeedsTheObserverOncePerMinute(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	obs := &countingObserver{seen: map[string]int{}}
	w := New(Config{Now: f.clock.Now, TrafficHistory: 2 * time.Hour, Scope: infra.Scope{Zones: []string{"example.org"}}}, f.cf, bus.New(), obs)
	if err := w.PollTraffic(ctx); err != nil {
		t.Fatal(err)
	}
	if n := obs.seen["example.org"]; n < 110 || n > 121 {
		t.Fatalf("first poll fed %d minutes, want about 120", n)
	}
	before := obs.seen["example.org"]
	f.clock.Advance(3 * time.Minute)
	if err := w.PollTraffic(ctx); err != nil {
		t.Fatal(err)
	}
	if got := obs.seen["example.org"] - before; got != 3 {
		t.Fatalf("the next poll fed %d new minutes, want 3 (no minute twice)", got)
	}
}

type countingObserver struct{ seen map[string]int }

func (c *countingObserver) Observe(zone string, _ infra.Point) { c.seen[zone]++ }

func TestTrafficOfAllZonesCostsOneQueryPerPoll(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	obs := &countingObserver{seen: map[string]int{}}
	zones := []string{"example.com", "example.net", "example.org"}
	w := New(Config{Now: f.clock.Now, TrafficHistory: time.Hour, Scope: infra.Scope{Zones: zones}}, f.cf, bus.New(), obs)
	if err := w.PollTraffic(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	before := f.cf.Calls()
	if err := w.PollTraffic(ctx); err != nil {
		t.Fatal(err)
	}
	if calls := f.cf.Calls() - before; calls != 1 {
		t.Fatalf("a poll of 3 zones cost %d API calls, want 1", calls)
	}
	for _, z := range zones {
		if n := obs.seen[z]; n < 58 || n > 61 {
			t.Fatalf("%s: fed %d minutes, want about 61 (no minute twice)", z, n)
		}
	}
}

package cloudflare

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func zoneByName(t *testing.T, snap *infra.Snapshot, name string) infra.Zone {
	t.Helper()
	for _, z := range snap.Zones {
		if z.Name == name {
			return z
		}
	}
	t.Fatalf("snapshot has no zone %s", name)
	return infra.Zone{}
}

func assertComplete(t *testing.T, what string, f *infra.Fetch) {
	t.Helper()
	if f == nil || !f.Complete || f.Error != "" {
		t.Fatalf("%s not fetched completely: %+v", what, f)
	}
}

func TestSimSnapshotIncident(t *testing.T) {
	srv, clock := startIncident(t)
	c := contractClient(t, srv, clock, "sandbox-read")
	snap, err := c.Snapshot(context.Background(), infra.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if !snap.ZonesFetch.Complete || len(snap.Zones) != 3 || snap.AccountID != srv.AccountID() {
		t.Fatalf("zones: %+v n=%d account=%s", snap.ZonesFetch, len(snap.Zones), snap.AccountID)
	}
	com := zoneByName(t, snap, "example.com")
	for what, f := range map[string]*infra.Fetch{"records": com.RecordsFetch, "settings": com.SettingsFetch, "firewall": com.FirewallFetch, "ratelimit": com.RateLimitFetch, "routes": com.RoutesFetch} {
		assertComplete(t, "example.com "+what, f)
	}
	if len(com.Records) != 13 {
		t.Fatalf("example.com has %d records, want 13", len(com.Records))
	}
	if string(com.Settings["security_level"]) != `"medium"` {
		t.Fatalf("security_level = %s", com.Settings["security_level"])
	}
	if len(com.FirewallRules) != 3 || com.FirewallRules[0].Ref != "block-sqli-probes" || com.FirewallRulesetID == "" {
		t.Fatalf("firewall rules = %+v", com.FirewallRules)
	}
	if len(com.RateLimitRules) != 1 || com.RateLimitRules[0].RateLimit == nil || com.RateLimitRules[0].RateLimit.RequestsPerPeriod != 100 {
		t.Fatalf("rate-limit rules = %+v", com.RateLimitRules)
	}
	if len(com.Routes) != 1 || com.Routes[0].Script != "edge-router" {
		t.Fatalf("routes = %+v", com.Routes)
	}
	net := zoneByName(t, snap, "example.net")
	assertComplete(t, "example.net ratelimit", net.RateLimitFetch)
	if len(net.RateLimitRules) != 0 || net.RateLimitRulesetID != "" {
		t.Fatal("example.net has no rate-limit entrypoint: complete and empty")
	}
	assertComplete(t, "workers", snap.WorkersFetch)
	if len(snap.WorkerScripts) != 1 || snap.WorkerScripts[0].Name != "edge-router" {
		t.Fatalf("scripts = %+v", snap.WorkerScripts)
	}
	// zones 1 + 3 zones x (records, settings, 2 phases, routes) + scripts 1
	if snap.APICalls != 17 {
		t.Fatalf("APICalls = %d, want 17", snap.APICalls)
	}
}

func TestSimStagingTokenSeesOnlyItsZone(t *testing.T) {
	srv, clock := startIncident(t)
	c := contractClient(t, srv, clock, "sandbox-staging")
	snap, err := c.Snapshot(context.Background(), infra.Scope{Resources: []infra.Resource{infra.ResZones, infra.ResDNSRecords}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Zones) != 1 || snap.Zones[0].Name != "example.net" {
		t.Fatalf("zones = %+v", snap.Zones)
	}
	_, err = c.Apply(context.Background(), infra.Change{Kind: infra.CachePurge, Zone: "example.com", After: json.RawMessage(`{"everything":true}`)})
	if err == nil || !strings.Contains(err.Error(), "example.com") {
		t.Fatalf("a change to a zone the token cannot see: err = %v", err)
	}
}

func TestSimVerifyEachToken(t *testing.T) {
	srv, clock := startIncident(t)
	for _, tc := range []struct {
		token    string
		canWrite bool
		zones    []string
	}{
		{"sandbox-write", true, nil},
		{"sandbox-read", false, nil},
		{"sandbox-staging", true, []string{"example.net"}},
	} {
		c := contractClient(t, srv, clock, tc.token)
		info, err := c.VerifyToken(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", tc.token, err)
		}
		if info.Status != "active" || !info.Known || info.CanWrite != tc.canWrite || !slices.Equal(info.Zones, tc.zones) || len(info.Permissions) == 0 {
			t.Fatalf("%s: %+v", tc.token, info)
		}
	}
	bad, err := New(Config{BaseURL: srv.BaseURL(), Token: "cfsim-not-a-token"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.VerifyToken(context.Background())
	if err == nil || strings.Contains(err.Error(), "cfsim-not-a-token") {
		t.Fatalf("an invalid token: err = %v", err)
	}
}

func TestSimTrafficSeries(t *testing.T) {
	srv, clock := startIncident(t)
	clock.Advance(3 * time.Hour)
	c := contractClient(t, srv, clock, "sandbox-read")
	to := clock.Now().Truncate(time.Minute)
	from := to.Add(-90 * time.Minute)
	s, err := c.Traffic(context.Background(), "example.org", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 90 || !s.Points[0].Time.Equal(from) || !s.Points[89].Time.Equal(to.Add(-time.Minute)) {
		t.Fatalf("points = %d", len(s.Points))
	}
	var requests, errors5xx float64
	for _, p := range s.Points {
		requests += p.Requests
		errors5xx += p.Status5xx
		if p.Status4xx+p.Status5xx > p.Requests {
			t.Fatalf("more errors than requests at %v: %+v", p.Time, p)
		}
	}
	if requests == 0 || errors5xx == 0 {
		t.Fatalf("requests=%v 5xx=%v: the spike with an error burst should show", requests, errors5xx)
	}
}

// TestSimTrafficZonesMatchesPerZone: one query for all zones gives the same
// series as one query per zone, across several chunks.
func TestSimTrafficZonesMatchesPerZone(t *testing.T) {
	srv, clock := startIncident(t)
	clock.Advance(3 * time.Hour)
	c := contractClient(t, srv, clock, "sandbox-read")
	to := clock.Now().Truncate(time.Minute)
	from := to.Add(-(trafficChunk + 30*time.Minute))
	zones := []string{"example.com", "example.net", "example.org"}
	if _, err := c.TrafficZones(context.Background(), zones, to.Add(-time.Hour), to); err != nil { // resolves the zone ids
		t.Fatal(err)
	}
	before := c.Calls()
	all, err := c.TrafficZones(context.Background(), zones, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if calls := c.Calls() - before; calls != 2 {
		t.Fatalf("%d calls for 3 zones over 2 chunks, want 2", calls)
	}
	for _, z := range zones {
		one, err := c.Traffic(context.Background(), z, from, to)
		if err != nil {
			t.Fatal(err)
		}
		got := all[z]
		if len(got.Points) != len(one.Points) || len(got.Points) == 0 {
			t.Fatalf("%s: %d points, want %d", z, len(got.Points), len(one.Points))
		}
		for i := range one.Points {
			if got.Points[i] != one.Points[i] {
				t.Fatalf("%s minute %d: %+v, want %+v", z, i, got.Points[i], one.Points[i])
			}
		}
	}
}

func TestSimAuditEventsAfterChanges(t *testing.T) {
	srv, clock := startIncident(t)
	c := contractClient(t, srv, clock, "sandbox-write")
	ctx := context.Background()
	clock.Advance(time.Minute)
	_, err := c.Apply(ctx, infra.Change{Kind: infra.DNSCreate, Zone: "example.com",
		After: json.RawMessage(`{"type":"A","name":"audit.example.com","content":"192.0.2.99","ttl":300}`)})
	if err != nil {
		t.Fatal(err)
	}
	control(t, srv, "/mutate", map[string]any{"actor": "bob@example.com", "change": infra.Change{Kind: infra.SettingEdit, Zone: "example.net", Target: "development_mode",
		After: json.RawMessage(`{"id":"development_mode","value":"off"}`)}})
	events, err := c.AuditEvents(ctx, simT0)
	if err != nil {
		t.Fatal(err)
	}
	var byToken, byBob bool
	for _, e := range events {
		if e.Actor == "sandbox-write" && e.ZoneName == "example.com" && e.Action == "create" {
			byToken = true
		}
		if e.Actor == "bob@example.com" && e.ZoneName == "example.net" && len(e.After) > 0 {
			byBob = true
		}
	}
	if !byToken || !byBob {
		t.Fatalf("events = %+v", events)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Time.Before(events[i-1].Time) {
			t.Fatal("events are not oldest first")
		}
	}
}

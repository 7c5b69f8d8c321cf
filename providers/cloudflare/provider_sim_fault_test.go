package cloudflare

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// eventLog collects a client's events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

func (l *eventLog) count(kind EventKind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ev := range l.events {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

func everythingComplete(t *testing.T, snap *infra.Snapshot) {
	t.Helper()
	if !snap.ZonesFetch.Complete || len(snap.Zones) != 3 {
		t.Fatalf("zones: %+v", snap.ZonesFetch)
	}
	for _, z := range snap.Zones {
		for what, f := range map[string]*infra.Fetch{"records": z.RecordsFetch, "settings": z.SettingsFetch, "firewall": z.FirewallFetch, "ratelimit": z.RateLimitFetch, "routes": z.RoutesFetch} {
			assertComplete(t, z.Name+" "+what, f)
		}
	}
	assertComplete(t, "workers", snap.WorkersFetch)
}

func TestSimTransientFaultsAreRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
		event EventKind
	}{
		{"429 with Retry-After", fault{Path: "/zones/*/dns_records", Status: 429, RetryAfter: 1, Count: 1}, EventThrottled},
		{"5xx", fault{Path: "/zones/*/settings", Status: 503, Count: 2}, EventRetrying},
		{"timeout", fault{Path: "/zones/*/workers/routes", Latency: "5s", Count: 1}, EventRetrying},
		{"invalid JSON", fault{Path: "/zones/*/rulesets/phases/*/entrypoint", InvalidJSON: true, Count: 1}, EventRetrying},
		{"truncated body", fault{Path: "/zones", Truncate: true, Count: 1}, EventRetrying},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := startIncident(t)
			var log eventLog
			c := simClient(t, srv, clock, "sandbox-read", func(cfg *Config) {
				cfg.OnEvent = log.add
				cfg.Timeout = 500 * time.Millisecond
			})
			injectFaults(t, srv, tc.fault)
			snap, err := c.Snapshot(context.Background(), infra.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			everythingComplete(t, snap)
			if log.count(tc.event) == 0 {
				t.Fatalf("no %s event", tc.event)
			}
			if snap.APICalls <= 17 {
				t.Fatalf("APICalls = %d: the retries must be counted", snap.APICalls)
			}
		})
	}
}

func TestSimPersistentFaultMakesOnlyThatResourceIncomplete(t *testing.T) {
	srv, clock := startIncident(t)
	c := simClient(t, srv, clock, "sandbox-read")
	if _, err := c.Snapshot(context.Background(), infra.Scope{}); err != nil { // learn the zone ids
		t.Fatal(err)
	}
	comID, _ := c.cachedZoneID("example.com")
	injectFaults(t, srv, fault{Path: "/zones/" + comID + "/settings", Status: 500})
	snap, err := c.Snapshot(context.Background(), infra.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	com := zoneByName(t, snap, "example.com")
	if com.SettingsFetch.Complete || com.Settings != nil || !strings.Contains(com.SettingsFetch.Error, "500") || !strings.Contains(com.SettingsFetch.Error, "example.com") {
		t.Fatalf("settings fetch = %+v", com.SettingsFetch)
	}
	assertComplete(t, "example.com records", com.RecordsFetch)
	assertComplete(t, "example.org settings", zoneByName(t, snap, "example.org").SettingsFetch)
}

func TestSimPageFailingMidListingIsHonest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault fault
		want  string
	}{
		{"5xx on page 2", fault{Status: 500, After: 1}, "page 2"},
		{"truncated page 2", fault{Truncate: true, After: 1}, "page 2"},
		{"invalid JSON on page 3", fault{InvalidJSON: true, After: 2}, "page 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := startSim(t, generatedScenario(t, 1, 12001))
			c := simClient(t, srv, clock, "bench-write")
			zid, err := c.zoneID(context.Background(), "zone0.test")
			if err != nil {
				t.Fatal(err)
			}
			tc.fault.Path = "/zones/" + zid + "/dns_records"
			injectFaults(t, srv, tc.fault)
			snap, err := c.Snapshot(context.Background(), infra.Scope{Resources: []infra.Resource{infra.ResDNSRecords}})
			if err != nil {
				t.Fatal(err)
			}
			z := snap.Zones[0]
			if z.RecordsFetch.Complete || z.Records != nil {
				t.Fatalf("a listing that failed midway must be incomplete and hold no records; got %d records, %+v", len(z.Records), z.RecordsFetch)
			}
			if !strings.Contains(z.RecordsFetch.Error, tc.want) || !strings.Contains(z.RecordsFetch.Error, "zone0.test") {
				t.Fatalf("error = %q, want it to name %q and the zone", z.RecordsFetch.Error, tc.want)
			}
		})
	}
}

func TestSimCreateWhoseAnswerWasLostIsNotDuplicated(t *testing.T) {
	srv, clock := startIncident(t)
	c := simClient(t, srv, clock, "sandbox-write")
	// The record is created, but only half of the answer arrives.
	injectFaults(t, srv, fault{Method: "POST", Path: "/zones/*/dns_records", Truncate: true, Count: 1})
	res := apply(t, c, infra.Change{Kind: infra.DNSCreate, Zone: "example.org",
		After: mustJSON(t, infra.DNSRecord{Type: "A", Name: "lost.example.org", Content: "192.0.2.60", TTL: 120})})
	z := reread(t, c, "example.org", infra.ResDNSRecords)
	n := 0
	for _, r := range z.Records {
		if r.Name == "lost.example.org" {
			n++
			if r.ID != res.Target {
				t.Fatalf("result id %s, record id %s", res.Target, r.ID)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d copies of the record, want 1", n)
	}

	// A 5xx before processing: the lookup finds nothing and the create is sent again.
	injectFaults(t, srv, fault{Method: "POST", Path: "/zones/*/rulesets/*/rules", Status: 502, Count: 1})
	rule := apply(t, c, infra.Change{Kind: infra.FirewallCreate, Zone: "example.org",
		After: mustJSON(t, infra.Rule{Description: "x", Expression: `(http.host eq "x.example.org")`, Action: "block"})})
	z = reread(t, c, "example.org", infra.ResFirewallRules)
	if len(z.FirewallRules) != 1 || z.FirewallRules[0].ID != rule.Target {
		t.Fatalf("rules = %+v", z.FirewallRules)
	}
}

func TestSimThrottledCallerCanCancel(t *testing.T) {
	srv, clock := startIncident(t)
	throttled := make(chan struct{}, 1)
	c := simClient(t, srv, clock, "sandbox-read", func(cfg *Config) {
		cfg.OnEvent = func(ev Event) {
			if ev.Kind == EventThrottled {
				select {
				case throttled <- struct{}{}:
				default:
				}
			}
		}
	})
	injectFaults(t, srv, fault{Path: "/zones", Status: 429, RetryAfter: 600})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Snapshot(ctx, infra.Scope{})
		done <- err
	}()
	<-throttled
	if c.Budget().ThrottledUntil.IsZero() {
		t.Fatal("Budget must show the throttle")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

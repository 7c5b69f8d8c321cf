package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// fakeZoneAPI serves one zone with n DNS records and counts requests per path.
type fakeZoneAPI struct {
	mu          sync.Mutex
	records     int
	omitTotals  bool
	failPage    int // a DNS page that always answers 500 (0: none)
	calls       map[string]int
	recordPages []int
}

func (f *fakeZoneAPI) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls[r.Method+" "+apiPath(r)]++
	f.mu.Unlock()
	switch p := apiPath(r); {
	case p == "/zones":
		writeJSON(w, 200, okPage([]any{map[string]any{"id": "z1", "name": "example.com", "status": "active", "account": map[string]any{"id": "acc1"}}}, 1, 50, 1, 1))
	case p == "/zones/z1/dns_records":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		f.mu.Lock()
		f.recordPages = append(f.recordPages, page)
		f.mu.Unlock()
		if page == f.failPage {
			writeJSON(w, 500, failure(10000, "internal error"))
			return
		}
		var items []any
		for i := (page - 1) * per; i < min(page*per, f.records); i++ {
			items = append(items, map[string]any{"id": fmt.Sprintf("r%d", i), "type": "A", "name": fmt.Sprintf("h%d.example.com", i), "content": "192.0.2.1", "ttl": 1, "proxied": false})
		}
		if items == nil {
			items = []any{}
		}
		body := okPage(items, page, per, (f.records+per-1)/per, f.records)
		if f.omitTotals {
			body["result_info"] = map[string]any{"page": page, "per_page": per, "count": len(items)}
		}
		writeJSON(w, 200, body)
	case p == "/zones/z1/settings":
		writeJSON(w, 200, ok([]any{map[string]any{"id": "ssl", "value": "full"}, map[string]any{"id": "min_tls_version", "value": "1.2"}}))
	case p == "/zones/z1/rulesets/phases/http_request_firewall_custom/entrypoint":
		writeJSON(w, 200, ok(map[string]any{"id": "rs1", "phase": "http_request_firewall_custom", "rules": []any{
			map[string]any{"id": "rule1", "ref": "r1", "description": "block bad", "expression": "ip.src eq 192.0.2.1", "action": "block", "enabled": true},
		}}))
	case strings.HasPrefix(p, "/zones/z1/rulesets/phases/"):
		writeJSON(w, 404, failure(10003, "not found"))
	case p == "/zones/z1/workers/routes":
		writeJSON(w, 200, ok([]any{map[string]any{"id": "rt1", "pattern": "example.com/api/*", "script": "api"}}))
	case p == "/accounts/acc1/workers/scripts":
		writeJSON(w, 200, ok([]any{map[string]any{"id": "api", "etag": "e1", "modified_on": "2025-01-01T00:00:00Z"}}))
	default:
		writeJSON(w, 404, failure(7003, "no route"))
	}
}

func newFakeZoneAPI(records int) *fakeZoneAPI {
	return &fakeZoneAPI{records: records, calls: map[string]int{}}
}

func TestSnapshotReadsEverythingWithOneCallPerPage(t *testing.T) {
	fake := newFakeZoneAPI(12001)
	c := newTestClient(t, fake.handle)
	snap, err := c.Snapshot(context.Background(), infra.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if !snap.ZonesFetch.Complete || len(snap.Zones) != 1 {
		t.Fatalf("zones: %+v", snap.ZonesFetch)
	}
	z := snap.Zones[0]
	if !z.RecordsFetch.Complete || len(z.Records) != 12001 {
		t.Fatalf("records: complete=%v n=%d err=%s", z.RecordsFetch.Complete, len(z.Records), z.RecordsFetch.Error)
	}
	if got := fake.calls["GET /zones/z1/dns_records"]; got != 3 {
		t.Fatalf("DNS list calls = %d (pages %v), want 3: no extra empty page", got, fake.recordPages)
	}
	if string(z.Settings["ssl"]) != `"full"` || !z.SettingsFetch.Complete {
		t.Fatalf("settings: %v", z.Settings)
	}
	if z.FirewallRulesetID != "rs1" || len(z.FirewallRules) != 1 || z.FirewallRules[0].Action != "block" || !z.FirewallRules[0].Enabled {
		t.Fatalf("firewall: %+v", z.FirewallRules)
	}
	if !z.RateLimitFetch.Complete || z.RateLimitFetch.Error != "" || len(z.RateLimitRules) != 0 {
		t.Fatalf("a 404 entrypoint must be complete and empty: %+v", z.RateLimitFetch)
	}
	if len(z.Routes) != 1 || len(snap.WorkerScripts) != 1 || !snap.WorkersFetch.Complete {
		t.Fatalf("workers: %+v %+v", z.Routes, snap.WorkerScripts)
	}
	// zones 1 + dns 3 + settings 1 + phases 2 + routes 1 + scripts 1
	if snap.APICalls != 9 || c.Calls() != 9 {
		t.Fatalf("APICalls = %d, Calls = %d, want 9", snap.APICalls, c.Calls())
	}
}

func TestSnapshotStopsAtShortPageWithoutTotals(t *testing.T) {
	for _, tc := range []struct{ records, calls int }{{4999, 1}, {5000, 2}, {7000, 2}} {
		fake := newFakeZoneAPI(tc.records)
		fake.omitTotals = true
		c := newTestClient(t, fake.handle)
		snap, err := c.Snapshot(context.Background(), infra.Scope{Resources: []infra.Resource{infra.ResDNSRecords}})
		if err != nil {
			t.Fatal(err)
		}
		z := snap.Zones[0]
		if !z.RecordsFetch.Complete || len(z.Records) != tc.records {
			t.Fatalf("%d records: got %d, %+v", tc.records, len(z.Records), z.RecordsFetch)
		}
		if got := fake.calls["GET /zones/z1/dns_records"]; got != tc.calls {
			t.Fatalf("%d records: %d list calls, want %d", tc.records, got, tc.calls)
		}
		if z.SettingsFetch != nil || snap.WorkersFetch != nil {
			t.Fatal("resources outside the scope must not be fetched")
		}
	}
}

func TestSnapshotPageFailureIsIncompleteNotDeleted(t *testing.T) {
	fake := newFakeZoneAPI(12001)
	fake.failPage = 2
	var retries int
	c := newTestClient(t, fake.handle, func(cfg *Config) {
		cfg.OnEvent = func(ev Event) {
			if ev.Kind == EventRetrying {
				retries++
			}
		}
	})
	snap, err := c.Snapshot(context.Background(), infra.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	z := snap.Zones[0]
	if z.RecordsFetch.Complete || z.Records != nil {
		t.Fatalf("a failed page must leave records incomplete and absent, got %d records", len(z.Records))
	}
	for _, want := range []string{"example.com", "page 2", "500", "internal error"} {
		if !strings.Contains(z.RecordsFetch.Error, want) {
			t.Fatalf("error %q lacks %q", z.RecordsFetch.Error, want)
		}
	}
	if strings.Contains(z.RecordsFetch.Error, testToken) {
		t.Fatal("the error leaks the token")
	}
	if !z.SettingsFetch.Complete || !z.FirewallFetch.Complete {
		t.Fatal("other resources of the zone must still be read")
	}
	if retries != 2 {
		t.Fatalf("retries = %d, want 2 (3 attempts)", retries)
	}
}

func TestSnapshotScopedToCachedZoneSkipsZoneList(t *testing.T) {
	fake := newFakeZoneAPI(3)
	c := newTestClient(t, fake.handle)
	if _, err := c.Snapshot(context.Background(), infra.Scope{}); err != nil {
		t.Fatal(err)
	}
	before := fake.calls["GET /zones"]
	snap, err := c.Snapshot(context.Background(), infra.Scope{Zones: []string{"example.com"}, Resources: []infra.Resource{infra.ResSettings}})
	if err != nil {
		t.Fatal(err)
	}
	if fake.calls["GET /zones"] != before || snap.APICalls != 1 {
		t.Fatalf("a scoped re-read should cost one call, cost %d", snap.APICalls)
	}
	snap, err = c.Snapshot(context.Background(), infra.Scope{Zones: []string{"nope.example"}, Resources: []infra.Resource{infra.ResSettings}})
	if err != nil {
		t.Fatal(err)
	}
	if snap.ZonesFetch.Complete || !strings.Contains(snap.ZonesFetch.Error, "nope.example") {
		t.Fatalf("an unknown zone must make the zone fetch incomplete: %+v", snap.ZonesFetch)
	}
}

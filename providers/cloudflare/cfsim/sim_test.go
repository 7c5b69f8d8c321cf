package cfsim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/dns"
)

const trafficQuery = `query DriftdeckTraffic($zoneTag: string!, $since: Time!, $until: Time!, $limit: uint64!) {
  viewer {
    zones(filter: {zoneTag: $zoneTag}) {
      http: httpRequestsAdaptiveGroups(limit: $limit, filter: {datetime_geq: $since, datetime_lt: $until, requestSource: "eyeball"}, orderBy: [datetimeMinute_ASC]) {
        count
        dimensions { datetimeMinute edgeResponseStatus }
        sum { edgeResponseBytes }
      }
      fw: firewallEventsAdaptiveGroups(limit: $limit, filter: {datetime_geq: $since, datetime_lt: $until}, orderBy: [datetimeMinute_ASC]) {
        count
        dimensions { datetimeMinute action }
      }
    }
  }
}`

// requestsPerMinute sums the http rows of a GraphQL answer by minute.
func requestsPerMinute(t *testing.T, body map[string]any) map[string]float64 {
	t.Helper()
	if body["errors"] != nil {
		t.Fatalf("graphql errors: %v", body["errors"])
	}
	zones := body["data"].(map[string]any)["viewer"].(map[string]any)["zones"].([]any)
	out := map[string]float64{}
	for _, row := range zones[0].(map[string]any)["http"].([]any) {
		r := row.(map[string]any)
		minute := r["dimensions"].(map[string]any)["datetimeMinute"].(string)
		out[minute] += r["count"].(float64)
	}
	return out
}

func gql(t *testing.T, s *Server, token, zone string, since, until time.Time, limit int) map[string]any {
	t.Helper()
	code, _, body := doJSON(t, "POST", s.BaseURL()+"/graphql", token, map[string]any{"query": trafficQuery,
		"variables": map[string]any{"zoneTag": zone, "since": since.Format(time.RFC3339), "until": until.Format(time.RFC3339), "limit": limit}})
	if code != 200 {
		t.Fatalf("graphql status %d: %v", code, body)
	}
	return body
}

func TestIncidentEventsFireOnManualClock(t *testing.T) {
	s, clock := startSim(t, Options{})
	org, com := zoneID(t, s, "example.org"), zoneID(t, s, "example.com")

	// History before the start: a full hour of minutes, no events.
	hist := requestsPerMinute(t, gql(t, s, writeTok, org, testStart.Add(-time.Hour), testStart, 1000))
	if len(hist) != 60 {
		t.Fatalf("history has %d minutes, want 60", len(hist))
	}
	var base float64
	for _, n := range hist {
		base += n / 60
	}

	clock.Advance(39 * time.Second)
	if s.Now(); len(s.st.injects) != 0 {
		t.Fatal("the spike fired before 40s")
	}
	clock.Advance(3 * time.Minute)
	perMinute := requestsPerMinute(t, gql(t, s, writeTok, org, testStart, testStart.Add(time.Hour), 1000))
	if len(perMinute) != 3 {
		t.Fatalf("want the 3 complete minutes since start, got %d", len(perMinute))
	}
	spiked := perMinute[testStart.Add(2*time.Minute).Format(time.RFC3339)]
	if spiked < 4*base {
		t.Fatalf("minute 2 has %.0f requests, baseline %.0f: no spike", spiked, base)
	}

	// The dashboard changes at 75s and 95s are in the state and the audit log.
	code, _, body := doJSON(t, "GET", s.BaseURL()+"/zones/"+com+"/settings/security_level", readTok, nil)
	if code != 200 || body["result"].(map[string]any)["value"] != "essentially_off" {
		t.Fatalf("security_level after 75s: %v", body)
	}
	code, _, body = doJSON(t, "GET", s.BaseURL()+"/accounts/"+s.AccountID()+"/logs/audit?since=2026-11-24&before=2026-11-24&direction=asc", writeTok, nil)
	if code != 200 {
		t.Fatal(body)
	}
	var got []string
	for _, e := range body["result"].([]any) {
		entry := e.(map[string]any)
		got = append(got, entry["actor"].(map[string]any)["email"].(string)+" "+entry["resource"].(map[string]any)["type"].(string)+" "+entry["action"].(map[string]any)["time"].(string))
	}
	want := []string{"alice@example.com zone.setting 2026-11-24T12:01:15Z", "bob@example.com ruleset.rule 2026-11-24T12:01:35Z"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit entries %v, want %v", got, want)
	}
}

func TestGraphQLShapeAndErrors(t *testing.T) {
	s, clock := startSim(t, Options{})
	clock.Advance(10 * time.Minute)
	com, org := zoneID(t, s, "example.com"), zoneID(t, s, "example.org")
	now := testStart.Add(10 * time.Minute)

	body := gql(t, s, readTok, com, now.Add(-5*time.Minute), now.Add(time.Hour), 10000)
	zone := body["data"].(map[string]any)["viewer"].(map[string]any)["zones"].([]any)[0].(map[string]any)
	statuses := map[float64]bool{}
	for _, row := range zone["http"].([]any) {
		r := row.(map[string]any)
		dim := r["dimensions"].(map[string]any)
		minute, _ := time.Parse(time.RFC3339, dim["datetimeMinute"].(string))
		if minute.Add(time.Minute).After(now) || minute.Before(now.Add(-5*time.Minute)) {
			t.Fatalf("row outside the complete minutes of the range: %v", r)
		}
		statuses[dim["edgeResponseStatus"].(float64)] = true
		if r["sum"].(map[string]any)["edgeResponseBytes"].(float64) <= 0 {
			t.Fatalf("row without bytes: %v", r)
		}
	}
	if !statuses[200] || !statuses[404] || len(statuses) < 5 {
		t.Fatalf("statuses %v", statuses)
	}
	if len(zone["fw"].([]any)) == 0 || zone["fw"].([]any)[0].(map[string]any)["dimensions"].(map[string]any)["action"] == nil {
		t.Fatalf("firewall rows %v", zone["fw"])
	}
	// The same minute always has the same numbers.
	again := gql(t, s, readTok, com, now.Add(-5*time.Minute), now.Add(time.Hour), 10000)
	if a, b := requestsPerMinute(t, body), requestsPerMinute(t, again); len(a) != 5 || a[now.Add(-time.Minute).Format(time.RFC3339)] != b[now.Add(-time.Minute).Format(time.RFC3339)] {
		t.Fatalf("traffic is not deterministic: %v vs %v", a, b)
	}

	errCode := func(body map[string]any) string {
		if body["data"] != nil {
			t.Fatalf("an error answer must have data null: %v", body)
		}
		e := body["errors"].([]any)[0].(map[string]any)
		return e["extensions"].(map[string]any)["code"].(string)
	}
	if c := errCode(gql(t, s, stagingTok, org, now.Add(-time.Hour), now, 10)); c != "authz" {
		t.Fatalf("zone outside the token: %s", c)
	}
	if c := errCode(gql(t, s, readTok, com, now.Add(-50*time.Hour), now, 10)); c != "quota" {
		t.Fatalf("range over a day: %s", c)
	}
	if c := errCode(gql(t, s, readTok, com, now.Add(-time.Hour), now, 0)); c != "bad_request" {
		t.Fatalf("limit 0: %s", c)
	}
	_, _, body = doJSON(t, "POST", s.BaseURL()+"/graphql", readTok, map[string]any{"query": "{ viewer { accounts { id } } }"})
	if c := errCode(body); c != "bad_request" {
		t.Fatalf("unknown dataset: %s", c)
	}
	if rows := gql(t, s, readTok, com, now.Add(-time.Hour), now, 7)["data"].(map[string]any)["viewer"].(map[string]any)["zones"].([]any)[0].(map[string]any)["http"].([]any); len(rows) != 7 {
		t.Fatalf("limit 7 gave %d rows", len(rows))
	}
}

func TestRateLimit(t *testing.T) {
	s, _ := startSim(t, Options{rateLimit: 5})
	for i := range 5 {
		if code, _, body := doJSON(t, "GET", s.BaseURL()+"/zones", readTok, nil); code != 200 {
			t.Fatalf("request %d: %d %v", i, code, body)
		}
	}
	code, hdr, body := doJSON(t, "GET", s.BaseURL()+"/zones", readTok, nil)
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || firstErrorCode(body) != codeRateLimited {
		t.Fatalf("6th request: %d retry-after %q %v", code, hdr.Get("Retry-After"), body)
	}
	if code, _, _ := doJSON(t, "GET", s.BaseURL()+"/zones", writeTok, nil); code != 200 {
		t.Fatalf("another token is limited too: %d", code)
	}
	_, _, stats := doJSON(t, "GET", s.ControlURL()+"/stats", "", nil)
	budget := stats["rate_limit"].(map[string]any)["sandbox-read"].(map[string]any)
	if budget["used"].(float64) != 5 || budget["remaining"].(float64) != 0 {
		t.Fatalf("budget %v", budget)
	}
	if n := stats["routes"].(map[string]any)["GET /zones"].(map[string]any)["sandbox-read"].(float64); n != 6 {
		t.Fatalf("stats count %v requests of sandbox-read on GET /zones, want 6", n)
	}
}

func TestFaultsAreCountBased(t *testing.T) {
	s, _ := startSim(t, Options{})
	com := zoneID(t, s, "example.com")
	code, _, body := doJSON(t, "POST", s.ControlURL()+"/faults", "", []map[string]any{
		{"method": "GET", "path": "/zones/*/dns_records", "status": 500, "after": 1, "count": 1}})
	if code != 200 {
		t.Fatal(body)
	}
	svc := dns.NewRecordService(sdkOpts(s, writeTok)...)
	var list dns.RecordListParams
	set(&list.ZoneID, com)
	set(&list.PerPage, float64(5))
	pager := svc.ListAutoPaging(context.Background(), list)
	n := 0
	for pager.Next() {
		n++
	}
	if status, code := apiCode(t, pager.Err()); status != 500 || code != codeInternal || n != 5 {
		t.Fatalf("the second page should fail with 500 after 5 records: %d/%d after %d", status, code, n)
	}
	if code, _, _ := doJSON(t, "GET", s.BaseURL()+"/zones/"+com+"/dns_records", writeTok, nil); code != 200 {
		t.Fatalf("the fault should apply once: %d", code)
	}

	doJSON(t, "DELETE", s.ControlURL()+"/faults", "", nil)
	doJSON(t, "POST", s.ControlURL()+"/faults", "", []map[string]any{{"path": "/zones", "truncate": true, "count": 1}, {"path": "/zones/*", "invalid_json": true}})
	for _, path := range []string{"/zones", "/zones/" + com} {
		req, _ := http.NewRequest("GET", s.BaseURL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+readTok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		_, _ = bufCopy(&buf, resp)
		if strings.HasSuffix(strings.TrimSpace(buf.String()), "}") {
			t.Fatalf("%s: the body should be broken, got %q", path, buf.String())
		}
	}
	code, _, body = doJSON(t, "POST", s.ControlURL()+"/faults", "", []map[string]any{{"path": "zones", "status": 200}})
	if code != 400 {
		t.Fatalf("a bad fault rule is accepted: %v", body)
	}
}

func TestControlAPI(t *testing.T) {
	s, clock := startSim(t, Options{})
	// mutate: an out-of-band DNS change by a dashboard user.
	code, _, body := doJSON(t, "POST", s.ControlURL()+"/mutate", "", map[string]any{"actor": "carol@example.com",
		"change": map[string]any{"kind": "dns.update", "zone": "example.com", "before": map[string]any{"type": "CNAME", "name": "www.example.com"},
			"after": map[string]any{"type": "CNAME", "name": "www.example.com", "content": "evil.example.net", "ttl": 1, "proxied": false}}})
	if code != 200 {
		t.Fatalf("mutate: %d %v", code, body)
	}
	code, _, body = doJSON(t, "POST", s.ControlURL()+"/mutate", "", map[string]any{"actor": "carol@example.com",
		"change": map[string]any{"kind": "dns.create", "zone": "example.com", "after": map[string]any{"type": "A", "name": "www", "content": "192.0.2.1"}}})
	if code != 400 || body["code"].(float64) != codeCNAMEExists {
		t.Fatalf("mutate must validate like the API: %d %v", code, body)
	}
	// traffic: a block surge starting now.
	code, _, body = doJSON(t, "POST", s.ControlURL()+"/traffic", "", map[string]any{"zone": "example.net", "kind": "blocks", "multiplier": 8, "duration": "10m"})
	if code != 200 {
		t.Fatalf("traffic: %v", body)
	}
	// clock.
	code, _, body = doJSON(t, "POST", s.ControlURL()+"/clock", "", map[string]any{"advance": "30s"})
	if code != 200 || !clock.Now().Equal(testStart.Add(30*time.Second)) {
		t.Fatalf("clock: %d %v", code, body)
	}
	// state has everything.
	_, _, st := doJSON(t, "GET", s.ControlURL()+"/state", "", nil)
	if len(st["zones"].([]any)) != 3 || st["audit_entries"].(float64) != 1 || len(st["injections"].([]any)) != 1 {
		t.Fatalf("state: zones %d audit %v injections %v", len(st["zones"].([]any)), st["audit_entries"], st["injections"])
	}
	if strings.Contains(st2string(st), writeTok) {
		t.Fatal("the state must not contain token values")
	}

	// Only loopback clients may use the control API.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/__sim/state", nil)
	req.RemoteAddr = "192.0.2.7:4444"
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("remote control client got %d", rec.Code)
	}

	// Advancing needs a manual clock.
	wall, err := New(s.sc, Options{Speed: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer wall.Close()
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("POST", "/__sim/clock", strings.NewReader(`{"advance":"1m"}`))
	req.RemoteAddr = "127.0.0.1:5555"
	wall.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusConflict {
		t.Fatalf("advancing a wall clock: %d", rec.Code)
	}
}

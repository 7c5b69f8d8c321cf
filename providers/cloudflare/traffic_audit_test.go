package cloudflare

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func zonesHandler(w http.ResponseWriter) {
	writeJSON(w, 200, okPage([]any{map[string]any{"id": "z1", "name": "example.com", "account": map[string]any{"id": "acc1"}}}, 1, 50, 1, 1))
}

func TestTrafficAggregatesPerMinuteWithoutGaps(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var queries []map[string]any
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if apiPath(r) == "/zones" {
			zonesHandler(w)
			return
		}
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if apiPath(r) != "/graphql" || req.Query != trafficQuery {
			writeJSON(w, 400, failure(1, "unexpected request"))
			return
		}
		queries = append(queries, req.Variables)
		m := func(i int) string { return t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339) }
		writeJSON(w, 200, map[string]any{"data": map[string]any{"viewer": map[string]any{"zones": []any{map[string]any{
			"http": []any{
				map[string]any{"count": 100, "dimensions": map[string]any{"datetimeMinute": m(0), "edgeResponseStatus": 200}, "sum": map[string]any{"edgeResponseBytes": 1000}},
				map[string]any{"count": 7, "dimensions": map[string]any{"datetimeMinute": m(0), "edgeResponseStatus": 404}, "sum": map[string]any{"edgeResponseBytes": 70}},
				map[string]any{"count": 3, "dimensions": map[string]any{"datetimeMinute": m(0), "edgeResponseStatus": 503}, "sum": map[string]any{"edgeResponseBytes": 30}},
				map[string]any{"count": 50, "dimensions": map[string]any{"datetimeMinute": m(2), "edgeResponseStatus": 200}, "sum": map[string]any{"edgeResponseBytes": 500}},
			},
			"fw": []any{
				map[string]any{"count": 4, "dimensions": map[string]any{"datetimeMinute": m(2), "action": "block"}},
				map[string]any{"count": 2, "dimensions": map[string]any{"datetimeMinute": m(2), "action": "managed_challenge"}},
				map[string]any{"count": 1, "dimensions": map[string]any{"datetimeMinute": m(2), "action": "jschallenge"}},
				map[string]any{"count": 9, "dimensions": map[string]any{"datetimeMinute": m(2), "action": "log"}},
			},
		}}}}})
	})
	s, err := c.Traffic(context.Background(), "example.com", t0, t0.Add(4*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 4 || s.Step != time.Minute {
		t.Fatalf("points = %d, want 4 (gaps filled)", len(s.Points))
	}
	p0, p1, p2 := s.Points[0], s.Points[1], s.Points[2]
	if p0.Requests != 110 || p0.Status4xx != 7 || p0.Status5xx != 3 || p0.Bytes != 1100 {
		t.Fatalf("minute 0 = %+v", p0)
	}
	if p1.Requests != 0 || !p1.Time.Equal(t0.Add(time.Minute)) {
		t.Fatalf("minute 1 = %+v, want an empty point", p1)
	}
	if p2.Requests != 50 || p2.Blocks != 4 || p2.Challenges != 3 {
		t.Fatalf("minute 2 = %+v", p2)
	}
	if len(queries) != 1 || queries[0]["zoneTag"] != "z1" || queries[0]["since"] != t0.Format(time.RFC3339) {
		t.Fatalf("queries = %v", queries)
	}
}

func TestTrafficSplitsLongRanges(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var spans []time.Duration
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if apiPath(r) == "/zones" {
			zonesHandler(w)
			return
		}
		var req struct {
			Variables struct{ Since, Until time.Time } `json:"variables"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		spans = append(spans, req.Variables.Until.Sub(req.Variables.Since))
		writeJSON(w, 200, map[string]any{"data": map[string]any{"viewer": map[string]any{"zones": []any{map[string]any{"http": []any{}, "fw": []any{}}}}}})
	})
	s, err := c.Traffic(context.Background(), "example.com", t0, t0.Add(25*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 25*60 {
		t.Fatalf("points = %d", len(s.Points))
	}
	var total time.Duration
	for _, d := range spans {
		if d > trafficChunk {
			t.Fatalf("a query spans %v", d)
		}
		total += d
	}
	if total != 25*time.Hour {
		t.Fatalf("queries cover %v", total)
	}
}

func TestTrafficGraphQLErrorsInside200(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if apiPath(r) == "/zones" {
			zonesHandler(w)
			return
		}
		writeJSON(w, 200, map[string]any{"data": nil, "errors": []any{map[string]any{"message": "zone 'z1' does not have access to the path", "path": []any{"viewer", "zones"}}}})
	})
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	_, err := c.Traffic(context.Background(), "example.com", t0, t0.Add(time.Hour))
	if err == nil || !strings.Contains(err.Error(), "does not have access to the path") || !strings.Contains(err.Error(), "example.com") {
		t.Fatalf("err = %v", err)
	}
	if c.Calls() != 2 {
		t.Fatalf("calls = %d: a GraphQL error is not retried", c.Calls())
	}
}

func TestAuditEventsFollowCursorAndDedupe(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	entry := func(id string, min int, email, token string) map[string]any {
		return map[string]any{
			"id":       id,
			"action":   map[string]any{"time": t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339), "type": "update", "result": "success"},
			"actor":    map[string]any{"email": email, "token_name": token, "type": "user", "context": "api_token"},
			"resource": map[string]any{"id": "rec-" + id, "type": "dns.record", "product": "dns_records", "request": map[string]any{"content": "198.51.100.7"}, "response": map[string]any{"before": map[string]any{"content": "192.0.2.1"}, "after": map[string]any{"content": "198.51.100.7"}}},
			"zone":     map[string]any{"id": "z1", "name": "example.com"},
		}
	}
	var cursors []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if apiPath(r) != "/accounts/acc1/logs/audit" {
			writeJSON(w, 404, failure(7003, "no route"))
			return
		}
		q := r.URL.Query()
		if q.Get("since") == "" || q.Get("before") == "" || q.Get("limit") == "" {
			writeJSON(w, 400, failure(1, "since, before and limit are required"))
			return
		}
		cursors = append(cursors, q.Get("cursor"))
		switch q.Get("cursor") {
		case "":
			writeJSON(w, 200, map[string]any{"success": true, "errors": []any{}, "result": []any{entry("a", 2, "", "ci-token"), entry("b", 1, "alice@example.com", "")}, "result_info": map[string]any{"count": "2", "cursor": "c2"}})
		case "c2":
			writeJSON(w, 200, map[string]any{"success": true, "errors": []any{}, "result": []any{entry("b", 1, "alice@example.com", ""), entry("c", 3, "bob@example.com", "")}, "result_info": map[string]any{"count": "2", "cursor": ""}})
		default:
			writeJSON(w, 400, failure(1, "bad cursor"))
		}
	})
	events, err := c.AuditEvents(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cursors) != 2 || cursors[1] != "c2" {
		t.Fatalf("cursors sent = %q", cursors)
	}
	if len(events) != 3 {
		t.Fatalf("events = %d, want 3 (b deduped)", len(events))
	}
	if events[0].ID != "b" || events[1].ID != "a" || events[2].ID != "c" {
		t.Fatalf("order = %s %s %s, want oldest first", events[0].ID, events[1].ID, events[2].ID)
	}
	a := events[1]
	if a.Actor != "ci-token" || a.Action != "update" || a.ResourceType != "dns.record" || a.ResourceID != "rec-a" || a.ZoneName != "example.com" || !strings.Contains(string(a.Before), "192.0.2.1") || !strings.Contains(string(a.After), "198.51.100.7") {
		t.Fatalf("event a = %+v", a)
	}
	if events[0].Actor != "alice@example.com" {
		t.Fatalf("actor = %q", events[0].Actor)
	}
}

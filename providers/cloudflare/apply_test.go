package cloudflare

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDNSCreateAfter5xxChecksBeforeResending(t *testing.T) {
	var mu sync.Mutex
	var posts, lookups int
	var landed []any
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case apiPath(r) == "/zones":
			zonesHandler(w)
		case r.Method == http.MethodPost && apiPath(r) == "/zones/z1/dns_records":
			posts++
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			body["id"] = "new1"
			landed = append(landed, body)
			// It landed, but the answer is lost.
			writeJSON(w, 502, failure(0, "bad gateway"))
		case r.Method == http.MethodGet && apiPath(r) == "/zones/z1/dns_records":
			lookups++
			q := r.URL.Query()
			if q.Get("type") != "A" || q.Get("name.exact") != "api.example.com" {
				writeJSON(w, 400, failure(1, "expected a filtered lookup"))
				return
			}
			writeJSON(w, 200, okPage(landed, 1, 5000, 1, len(landed)))
		default:
			writeJSON(w, 404, failure(7003, "no route"))
		}
	})
	after := infra.DNSRecord{Type: "A", Name: "api.example.com", Content: "192.0.2.10", TTL: 300, Proxied: false}
	res, err := c.Apply(context.Background(), infra.Change{Kind: infra.DNSCreate, Zone: "example.com", After: mustJSON(t, after)})
	if err != nil {
		t.Fatal(err)
	}
	if posts != 1 || lookups != 1 {
		t.Fatalf("posts=%d lookups=%d, want one POST and one lookup", posts, lookups)
	}
	var got infra.DNSRecord
	_ = json.Unmarshal(res.After, &got)
	if res.Target != "new1" || got.Content != "192.0.2.10" || got.TTL != 300 {
		t.Fatalf("result = %+v %+v", res, got)
	}
	sent := landed[0].(map[string]any)
	if sent["proxied"] != false || sent["ttl"] != float64(300) {
		t.Fatalf("body = %v: proxied:false must be sent explicitly", sent)
	}
}

func TestWriteGets429RetriedWithoutLookup(t *testing.T) {
	var mu sync.Mutex
	var patches int
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case apiPath(r) == "/zones":
			zonesHandler(w)
		case r.Method == http.MethodPatch && apiPath(r) == "/zones/z1/settings/min_tls_version":
			patches++
			if patches == 1 {
				w.Header().Set("Retry-After", "0")
				writeJSON(w, 429, failure(971, "slow down"))
				return
			}
			body, _ := io.ReadAll(r.Body)
			if string(body) != `{"value":"1.2"}` {
				writeJSON(w, 400, failure(1, "bad body "+string(body)))
				return
			}
			writeJSON(w, 200, ok(map[string]any{"id": "min_tls_version", "value": "1.2", "editable": true}))
		default:
			writeJSON(w, 404, failure(7003, "no route"))
		}
	})
	res, err := c.Apply(context.Background(), infra.Change{Kind: infra.SettingEdit, Zone: "example.com", Target: "min_tls_version",
		After: mustJSON(t, infra.SettingValue{ID: "min_tls_version", Value: json.RawMessage(`"1.2"`)})})
	if err != nil {
		t.Fatal(err)
	}
	if patches != 2 || res.Target != "min_tls_version" || !strings.Contains(string(res.After), `"1.2"`) {
		t.Fatalf("patches=%d res=%+v", patches, res)
	}
}

func TestSDKDoesNotRetryWritesOnItsOwn(t *testing.T) {
	var mu sync.Mutex
	var posts int
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case apiPath(r) == "/zones":
			zonesHandler(w)
		case r.Method == http.MethodPost:
			posts++
			writeJSON(w, 409, failure(81058, "An identical record already exists."))
		default:
			writeJSON(w, 404, failure(7003, "no route"))
		}
	})
	_, err := c.Apply(context.Background(), infra.Change{Kind: infra.DNSCreate, Zone: "example.com",
		After: mustJSON(t, infra.DNSRecord{Type: "A", Name: "a.example.com", Content: "192.0.2.1"})})
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "identical record") {
		t.Fatalf("err = %v", err)
	}
	assertNoToken(t, err)
	if posts != 1 {
		t.Fatalf("posts = %d, want 1: a 409 is final", posts)
	}
}

// fakeRuleset serves one zone's firewall entrypoint in memory.
type fakeRuleset struct {
	mu    sync.Mutex
	id    string
	rules []map[string]any
	posts int
	puts  int
	edits []map[string]any
}

func (f *fakeRuleset) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	entry := "/zones/z1/rulesets/phases/http_request_firewall_custom/entrypoint"
	answer := func() { writeJSON(w, 200, ok(map[string]any{"id": f.id, "rules": f.rules})) }
	switch p := apiPath(r); {
	case p == "/zones":
		zonesHandler(w)
	case p == entry && r.Method == http.MethodGet:
		if f.id == "" {
			writeJSON(w, 404, failure(10003, "not found"))
			return
		}
		answer()
	case p == entry && r.Method == http.MethodPut:
		f.puts++
		var body struct{ Rules []map[string]any }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.id = "rs1"
		for i, rule := range body.Rules {
			rule["id"] = "rule" + string(rune('a'+i))
		}
		f.rules = body.Rules
		answer()
	case p == "/zones/z1/rulesets/rs1/rules" && r.Method == http.MethodPost:
		f.posts++
		var rule map[string]any
		_ = json.NewDecoder(r.Body).Decode(&rule)
		rule["id"] = "rule" + string(rune('a'+len(f.rules)))
		f.rules = append(f.rules, rule)
		answer()
	case strings.HasPrefix(p, "/zones/z1/rulesets/rs1/rules/") && r.Method == http.MethodPatch:
		var rule map[string]any
		_ = json.NewDecoder(r.Body).Decode(&rule)
		sent := map[string]any{}
		for k, v := range rule {
			sent[k] = v
		}
		f.edits = append(f.edits, sent)
		id := strings.TrimPrefix(p, "/zones/z1/rulesets/rs1/rules/")
		for i := range f.rules {
			if f.rules[i]["id"] == id {
				rule["id"] = id
				f.rules[i] = rule
			}
		}
		answer()
	default:
		writeJSON(w, 404, failure(7003, "no route"))
	}
}

func TestFirewallCreateIsIdempotentAndEditKeepsUnmodelledFields(t *testing.T) {
	fake := &fakeRuleset{}
	c := newTestClient(t, fake.handle)
	ctx := context.Background()
	rule := infra.Rule{Description: "block scanner", Expression: `http.user_agent contains "scan"`, Action: "block"}
	ch := infra.Change{Kind: infra.FirewallCreate, Zone: "example.com", After: mustJSON(t, rule)}
	first, err := c.Apply(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if fake.puts != 1 || first.Target != "rulea" {
		t.Fatalf("puts=%d target=%s: a zone without an entrypoint gets one", fake.puts, first.Target)
	}
	again, err := c.Apply(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if fake.posts != 0 || fake.puts != 1 || again.Target != first.Target {
		t.Fatalf("re-applying the same create added a rule (posts=%d puts=%d)", fake.posts, fake.puts)
	}
	other := ch
	other.After = mustJSON(t, infra.Rule{Description: "block bot", Expression: `cf.client.bot`, Action: "managed_challenge"})
	if _, err := c.Apply(ctx, other); err != nil {
		t.Fatal(err)
	}
	if fake.posts != 1 || len(fake.rules) != 2 {
		t.Fatalf("posts=%d rules=%d", fake.posts, len(fake.rules))
	}

	fake.rules[0]["action_parameters"] = map[string]any{"response": map[string]any{"status_code": 403}}
	res, err := c.Apply(ctx, infra.Change{Kind: infra.FirewallDisable, Zone: "example.com", Target: "rulea"})
	if err != nil {
		t.Fatal(err)
	}
	var after infra.Rule
	_ = json.Unmarshal(res.After, &after)
	if after.Enabled || after.Expression != rule.Expression {
		t.Fatalf("after = %+v", after)
	}
	edit := fake.edits[0]
	if edit["action_parameters"] == nil || edit["expression"] != rule.Expression || edit["id"] != nil {
		t.Fatalf("the PATCH body dropped fields or sent read-only ones: %v", edit)
	}
}

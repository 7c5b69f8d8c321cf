package cfsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequestDecoding throws arbitrary bodies and query strings at the JSON
// write endpoints and the list endpoints. The simulator must answer every
// one with a well-formed response and never panic or fail internally.
func FuzzRequestDecoding(f *testing.F) {
	sc, err := BuiltinScenario("incident")
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(sc, Options{Clock: NewManualClock(testStart), rateLimit: 1 << 30})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	z := s.st.zoneByName("example.com")
	rid := z.Records[0].ID
	fw := z.entrypoint(phaseFirewall)
	targets := []struct{ method, path string }{
		{"POST", "/zones/ZONE/dns_records"},
		{"PATCH", "/zones/ZONE/dns_records/" + rid},
		{"PUT", "/zones/ZONE/dns_records/" + rid},
		{"GET", "/zones/ZONE/dns_records"},
		{"GET", "/zones"},
		{"PATCH", "/zones/ZONE/settings/security_level"},
		{"PUT", "/zones/ZONE/rulesets/phases/http_request_firewall_custom/entrypoint"},
		{"POST", "/zones/ZONE/rulesets/" + fw.ID + "/rules"},
		{"PATCH", "/zones/ZONE/rulesets/" + fw.ID + "/rules/" + fw.Rules[0].ID},
		{"POST", "/zones/ZONE/workers/routes"},
		{"POST", "/zones/ZONE/purge_cache"},
		{"GET", "/accounts/ACCOUNT/logs/audit"},
		{"POST", "/graphql"},
	}
	seeds := []struct {
		target uint8
		query  string
		body   string
	}{
		{0, "", `{"type":"A","name":"fuzz","content":"192.0.2.1","ttl":1}`},
		{0, "", `{"type":"SRV","name":"_x._tcp","data":{"priority":1,"weight":2,"port":3,"target":"a.example.com"}}`},
		{0, "", `{"type":"CAA","name":"@","data":{"flags":"x"}}`},
		{1, "", `{"ttl":1e309}`},
		{2, "", `{"type":null,"name":[]}`},
		{3, "page=2&per_page=1&name.contains=w&match=any&order=ttl&direction=desc", ""},
		{3, "per_page=-1&page=abc", ""},
		{4, "name=starts_with:ex&status=active&per_page=51", ""},
		{5, "", `{"value":{"a":1}}`},
		{6, "", `{"rules":[{"action":"block","expression":"(a"}]}`},
		{7, "", `{"action":"log","expression":"true","ratelimit":{"period":"x"}}`},
		{8, "", `{"enabled":"yes"}`},
		{9, "", `{"pattern":"*example.com/*","script":"edge-router"}`},
		{10, "", `{"files":[{"url":1},"https://example.com/a"]}`},
		{11, "since=2026-11-01&before=2026-12-01&limit=1000&cursor=%%%", ""},
		{12, "", `{"query":"{ httpRequestsAdaptiveGroups }","variables":{"zoneTag":"ZONE","since":"2026-11-24T11:00:00Z","until":"2026-11-24T12:00:00Z","limit":1e3}}`},
		{0, "", "\x00\xff{"},
	}
	for _, sd := range seeds {
		f.Add(sd.target, sd.query, []byte(sd.body))
	}
	handler := s.Handler()
	f.Fuzz(func(t *testing.T, target uint8, query string, body []byte) {
		tg := targets[int(target)%len(targets)]
		path := strings.NewReplacer("ZONE", z.ID, "ACCOUNT", s.AccountID()).Replace(tg.path)
		body = bytes.ReplaceAll(body, []byte("ZONE"), []byte(z.ID))
		req := httptest.NewRequest(tg.method, "/client/v4"+path, bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+writeTok)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if n := s.panics.Load(); n != 0 {
			t.Fatalf("%s %s?%s with %q panicked", tg.method, path, query, body)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s with %q: status %d %s", tg.method, path, query, body, rec.Code, rec.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", tg.method, path, rec.Body)
		}
		if _, isEnvelope := out["success"]; !isEnvelope && tg.path != "/graphql" {
			t.Fatalf("%s %s: answer has no envelope: %s", tg.method, path, rec.Body)
		}
		if rec.Code != http.StatusOK && out["success"] != false {
			t.Fatalf("%s %s: error %d with success %v", tg.method, path, rec.Code, out["success"])
		}
	})
}

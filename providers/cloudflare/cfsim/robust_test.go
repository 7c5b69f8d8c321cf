package cfsim

import (
	"strings"
	"testing"
	"time"
)

func TestMalformedRequestsGetCloudflareErrors(t *testing.T) {
	s, _ := startSim(t, Options{})
	com := zoneID(t, s, "example.com")
	base := s.BaseURL()
	cases := []struct {
		name, method, url, token string
		body                     any
		status, code             int
	}{
		{"no token", "GET", base + "/zones", "", nil, 400, codeMissingAuth},
		{"verify bad token", "GET", base + "/user/tokens/verify", "nope", nil, 401, 1000},
		{"unknown route", "GET", base + "/zones/" + com + "/nothing", writeTok, nil, 400, codeNoRoute},
		{"wrong method", "DELETE", base + "/zones", writeTok, nil, 405, codeMethodNotAllowed},
		{"malformed id", "GET", base + "/zones/not-an-id", writeTok, nil, 400, codeCouldNotRoute},
		{"malformed JSON", "POST", base + "/zones/" + com + "/dns_records", writeTok, `{"type":`, 400, codeMalformedJSON},
		{"wrong type", "POST", base + "/zones/" + com + "/dns_records", writeTok, `{"type":"A","name":"x","content":"192.0.2.1","ttl":"auto"}`, 400, codeMalformedJSON},
		{"bad page", "GET", base + "/zones/" + com + "/dns_records?page=0", writeTok, nil, 400, codeInvalidRequest},
		{"huge body", "POST", base + "/zones/" + com + "/dns_records", writeTok, `{"comment":"` + strings.Repeat("x", maxBodyBytes) + `"}`, 413, codeBodyTooLarge},
		{"other account", "GET", base + "/accounts/00000000000000000000000000000000", writeTok, nil, 403, codeUnauthorized},
		{"zone token on account", "GET", base + "/accounts/" + s.AccountID() + "/workers/scripts", stagingTok, nil, 403, codeUnauthorized},
		{"other token", "GET", base + "/user/tokens/00000000000000000000000000000000", readTok, nil, 403, codeUnauthorized},
		{"audit without range", "GET", base + "/accounts/" + s.AccountID() + "/logs/audit", writeTok, nil, 400, codeInvalidRequest},
		{"bad setting value type", "PATCH", base + "/zones/" + com + "/settings/browser_cache_ttl", writeTok, `{"value":"long"}`, 400, codeInvalidSetting},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := doJSON(t, tc.method, tc.url, tc.token, tc.body)
			if status != tc.status || firstErrorCode(body) != tc.code || body["success"] != false {
				t.Fatalf("got %d %v, want %d code %d", status, body, tc.status, tc.code)
			}
		})
	}
}

func TestTokenCanReadItsPolicies(t *testing.T) {
	s, _ := startSim(t, Options{})
	_, _, verify := doJSON(t, "GET", s.BaseURL()+"/user/tokens/verify", stagingTok, nil)
	id := verify["result"].(map[string]any)["id"].(string)
	code, _, body := doJSON(t, "GET", s.BaseURL()+"/user/tokens/"+id, stagingTok, nil)
	if code != 200 {
		t.Fatal(body)
	}
	raw := st2string(body["result"])
	if !strings.Contains(raw, `"DNS Write"`) || !strings.Contains(raw, "com.cloudflare.api.account.zone."+zoneID(t, s, "example.net")) ||
		strings.Contains(raw, zoneID(t, s, "example.com")) {
		t.Fatalf("staging token policies: %s", raw)
	}
	_, _, verify = doJSON(t, "GET", s.BaseURL()+"/user/tokens/verify", readTok, nil)
	_, _, body = doJSON(t, "GET", s.BaseURL()+"/user/tokens/"+verify["result"].(map[string]any)["id"].(string), readTok, nil)
	if raw := st2string(body["result"]); strings.Contains(raw, "Write") || !strings.Contains(raw, "DNS Read") {
		t.Fatalf("read token policies: %s", raw)
	}
}

func TestEventsFireWithoutRequests(t *testing.T) {
	sc, err := BuiltinScenario("incident")
	if err != nil {
		t.Fatal(err)
	}
	// At speed 1000 the events at 40s-95s are due within 0.1s of wall time.
	s, err := New(sc, Options{Speed: 1000, tickEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		done := len(s.evLog) == len(sc.Events)
		s.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("scheduled events did not fire on their own")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.evLog {
		if ev.Error != "" {
			t.Fatalf("event %d failed: %s", ev.Index, ev.Error)
		}
	}
	if v := string(s.st.zoneByName("example.com").Settings["security_level"].Value); v != `"essentially_off"` {
		t.Fatalf("security_level is %s", v)
	}
}

package cloudflare

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testToken = "test-token-SECRET-123"

// newTestClient starts handler on loopback and returns a client for it.
func newTestClient(t *testing.T, handler http.HandlerFunc, mods ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"success": false, "errors": []any{map[string]any{"code": 10000, "message": "Authentication error"}}})
			return
		}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL + "/client/v4", Token: testToken, AccountID: "acc1"}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func ok(result any) map[string]any {
	return map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": result}
}

func okPage(result any, page, perPage, totalPages, totalCount int) map[string]any {
	m := ok(result)
	m["result_info"] = map[string]any{"page": page, "per_page": perPage, "total_pages": totalPages, "total_count": totalCount}
	return m
}

func failure(code int, msg string) map[string]any {
	return map[string]any{"success": false, "errors": []any{map[string]any{"code": code, "message": msg}}, "messages": []any{}, "result": nil}
}

// apiPath strips the base path so handlers can switch on API paths.
func apiPath(r *http.Request) string { return strings.TrimPrefix(r.URL.Path, "/client/v4") }

func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Fatalf("the error leaks the token: %v", err)
	}
}

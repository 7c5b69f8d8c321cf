package cfspec

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestTransportValidatesAndPassesBodiesThrough(t *testing.T) {
	// Strict, so that GraphQL and /__sim/ would be reported if the transport did not skip them.
	spec := *testSpec(t)
	spec.strict = true
	listBody := `{"result":[` + realDNSRecordA + `],"success":true,"errors":[],"messages":[],
	  "result_info":{"page":1,"per_page":100,"count":1,"total_count":1,"total_pages":1}}`
	brokenBody := `{"result":{"id":"` + zoneID + `"},"errors":[],"messages":[]}`
	createRequest := `{"type":"A","name":"www.example.com","content":"192.0.2.10","ttl":1,"proxied":true}`

	var received sync.Map // path -> request body the server got
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		received.Store(r.Method+" "+r.URL.Path, string(body))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/dns_records") && r.Method == http.MethodGet:
			io.WriteString(w, listBody)
		case strings.HasSuffix(r.URL.Path, "/dns_records") && r.Method == http.MethodPost:
			io.WriteString(w, `{"result":`+realDNSRecordA+`,"success":true,"errors":[],"messages":[]}`)
		case strings.HasSuffix(r.URL.Path, "/purge_cache"):
			io.WriteString(w, brokenBody) // no "success": a violation
		default: // GraphQL and /__sim/ answers are nothing like the REST envelope
			io.WriteString(w, `{"data":{"viewer":null}}`)
		}
	}))
	defer server.Close()

	var mu sync.Mutex
	var reported []error
	client := &http.Client{Transport: spec.Transport(nil, func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	})}

	base := server.URL + "/client/v4/zones/" + zoneID
	send := func(method, url, body string) string {
		t.Helper()
		var reader io.Reader
		if body != "" {
			reader = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, url, reader)
		if err != nil {
			t.Fatalf("build request: %v", err)
		}
		req.Header.Set("Authorization", "Bearer test-token")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("read response of %s %s: %v", method, url, err)
		}
		return string(got)
	}

	if got := send(http.MethodGet, base+"/dns_records", ""); got != listBody {
		t.Errorf("caller did not get the response body unchanged:\n%s", got)
	}
	send(http.MethodPost, base+"/dns_records", createRequest)
	if got, _ := received.Load("POST /client/v4/zones/" + zoneID + "/dns_records"); got != createRequest {
		t.Errorf("server did not get the request body unchanged: %q", got)
	}
	if got := send(http.MethodPost, base+"/purge_cache", `{"purge_everything":true}`); got != brokenBody {
		t.Errorf("a violating response was not passed through unchanged:\n%s", got)
	}
	send(http.MethodPost, server.URL+"/client/v4/graphql", `{"query":"{ viewer { zones { zoneTag } } }"}`)
	send(http.MethodGet, server.URL+"/__sim/state", "")

	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 {
		t.Fatalf("want exactly the purge_cache violation reported, got %d: %v", len(reported), reported)
	}
	var v *Violation
	if !errors.As(reported[0], &v) || v.Route != "/zones/{zone_id}/purge_cache" || !strings.Contains(v.Error(), `"success"`) {
		t.Fatalf("want the missing success of purge_cache reported, got %v", reported[0])
	}
	if strings.Contains(v.Error(), "test-token") {
		t.Fatalf("violation leaks the API token: %v", v)
	}
}

package cfsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/option"
)

var testStart = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const (
	writeTok   = "cfsim-sandbox-write-7f3c2a9e41b84d0c"
	readTok    = "cfsim-sandbox-read-2b8e6d1f90a34c57"
	stagingTok = "cfsim-sandbox-staging-5d4a3c2b1e0f9a88"
)

// startSim runs the incident scenario on a manual clock over real HTTP.
func startSim(t *testing.T, opts Options) (*Server, *ManualClock) {
	t.Helper()
	sc, err := BuiltinScenario("incident")
	if err != nil {
		t.Fatal(err)
	}
	clock := NewManualClock(testStart)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	s, err := New(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := s.panics.Load(); n != 0 {
			t.Errorf("the simulator recovered from %d panics", n)
		}
		_ = s.Close()
	})
	return s, clock
}

// sdkOpts are the options a real client uses against the simulator.
func sdkOpts(s *Server, token string) []option.RequestOption {
	return []option.RequestOption{option.WithBaseURL(s.BaseURL() + "/"), option.WithAPIToken(token), option.WithMaxRetries(0)}
}

func zoneID(t *testing.T, s *Server, name string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.st.zoneByName(name)
	if z == nil {
		t.Fatalf("zone %s missing", name)
	}
	return z.ID
}

// doJSON sends a raw request and decodes the JSON answer.
func doJSON(t *testing.T, method, url, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %q", method, url, data)
	}
	return resp.StatusCode, resp.Header, out
}

// firstErrorCode is the code of the first error of a Cloudflare envelope.
func firstErrorCode(body map[string]any) int {
	errs, _ := body["errors"].([]any)
	if len(errs) == 0 {
		return 0
	}
	e, _ := errs[0].(map[string]any)
	code, _ := e["code"].(float64)
	return int(code)
}

func bufCopy(b *strings.Builder, resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	return io.Copy(b, resp.Body)
}

func st2string(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

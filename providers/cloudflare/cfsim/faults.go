package cfsim

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// faultRule makes matching API requests fail. Matching is count-based and
// so deterministic: skip the first After matches, then apply to Count
// requests (0 = all that follow).
type faultRule struct {
	Method      string `json:"method,omitempty"`
	Path        string `json:"path"`
	Status      int    `json:"status,omitempty"`
	RetryAfter  int    `json:"retry_after,omitempty"`
	Latency     string `json:"latency,omitempty"`
	InvalidJSON bool   `json:"invalid_json,omitempty"`
	Truncate    bool   `json:"truncate,omitempty"`
	After       int    `json:"after,omitempty"`
	Count       int    `json:"count,omitempty"`

	Seen    int `json:"seen"`    // matching requests so far
	Applied int `json:"applied"` // requests the fault was applied to

	latency time.Duration
}

func (f *faultRule) validate() error {
	f.Path = strings.TrimPrefix(f.Path, "/client/v4")
	switch {
	case !strings.HasPrefix(f.Path, "/"):
		return fmt.Errorf("fault path %q must start with /", f.Path)
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("fault status %d must be between 400 and 599", f.Status)
	case f.After < 0 || f.Count < 0 || f.RetryAfter < 0:
		return fmt.Errorf("fault after, count and retry_after must not be negative")
	case f.Status == 0 && f.Latency == "" && !f.InvalidJSON && !f.Truncate:
		return fmt.Errorf("fault for %s does nothing: give status, latency, invalid_json or truncate", f.Path)
	}
	if f.Latency != "" {
		d, err := time.ParseDuration(f.Latency)
		if err != nil || d < 0 || d > time.Minute {
			return fmt.Errorf("fault latency %q must be a duration up to 1m", f.Latency)
		}
		f.latency = d
	}
	f.Method = strings.ToUpper(f.Method)
	return nil
}

// matchFault counts the request against every matching rule and returns a
// copy of the first rule that applies to it. The server mutex is held.
func (s *Server) matchFault(method, path string) *faultRule {
	var hit *faultRule
	for _, f := range s.faults {
		if (f.Method != "" && f.Method != method) || !globMatch(f.Path, path) {
			continue
		}
		f.Seen++
		if hit != nil || f.Seen <= f.After || (f.Count > 0 && f.Applied >= f.Count) {
			continue
		}
		f.Applied++
		cp := *f
		hit = &cp
	}
	return hit
}

// globMatch matches path segments; "*" matches one segment, a final "**"
// matches the rest.
func globMatch(pattern, path string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	ss := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range ps {
		if p == "**" && i == len(ps)-1 {
			return true
		}
		if i >= len(ss) || (p != "*" && p != ss[i]) {
			return false
		}
	}
	return len(ps) == len(ss)
}

// apply performs the fault; done means the response has been written.
func (f *faultRule) apply(w http.ResponseWriter, r *http.Request) (done bool) {
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case f.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(max(f.RetryAfter, 1)))
		writeError(w, errf(f.Status, codeRateLimited, "Please wait and consider throttling your request speed."))
		return true
	case f.Status != 0:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		writeError(w, errf(f.Status, codeInternal, "Internal server error (injected fault)."))
		return true
	case f.InvalidJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"result":[{"id":"`))
		return true
	}
	return false
}

// truncatingWriter holds a response so that only its first half is sent.
type truncatingWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (t *truncatingWriter) Header() http.Header { return t.header }
func (t *truncatingWriter) WriteHeader(status int) {
	if t.status == 0 {
		t.status = status
	}
}
func (t *truncatingWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	return t.body.Write(b)
}

func (t *truncatingWriter) flushTruncated(w http.ResponseWriter) {
	for k, v := range t.header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	if t.status == 0 {
		t.status = http.StatusOK
	}
	w.WriteHeader(t.status)
	_, _ = w.Write(t.body.Bytes()[:t.body.Len()/2])
}

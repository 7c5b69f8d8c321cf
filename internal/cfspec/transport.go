package cfspec

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Transport wraps base so every exchange is validated against the spec and passed through
// unchanged: bodies are read, validated and handed on intact. report receives each
// *Violation; it may be called from several goroutines at once. GraphQL and the simulator's
// /__sim/ control API are not part of the REST spec and are skipped.
func (s *Spec) Transport(base http.RoundTripper, report func(error)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if report == nil {
		report = func(error) {}
	}
	return &validatingTransport{spec: s, base: base, report: report}
}

type validatingTransport struct {
	spec   *Spec
	base   http.RoundTripper
	report func(error)
}

func (t *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if skipValidation(req.URL.Path) {
		return t.base.RoundTrip(req)
	}
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		data, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read request body of %s %s for spec validation: %w", req.Method, req.URL.Path, err)
		}
		reqBody = data
		// RoundTrip must not modify the caller's request: send a clone with a fresh body.
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(data))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}

	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response body of %s %s for spec validation: %w", req.Method, req.URL.Path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	for _, v := range t.spec.validate(req, reqBody, resp, respBody) {
		t.report(v)
	}
	return resp, nil
}

// skipValidation is true for endpoints that the REST spec does not describe by design.
func skipValidation(path string) bool {
	return strings.Contains(path, "/__sim/") || strings.HasSuffix(strings.TrimSuffix(path, "/"), "/graphql")
}

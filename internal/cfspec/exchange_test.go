package cfspec

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// IDs shaped like Cloudflare's (32 lowercase hex digits).
const (
	zoneID    = "023e105f4ecef8ad9ca31a8372d0c353"
	accountID = "01a7362d577a6c3019a474fd6f485823"
	recordID  = "372e67954025e0ba6aaa6d586b9e0b59"
	rulesetID = "2f2feab2026849078ba485f918791bdc"
	ruleID    = "3a03d665bac047339bb530ecb439a90d"
	tokenID   = "ed17574386854bf78a67040be0a770b0"
	routeID   = "9a7806061c88ada191ed06f989cc3dac"
)

// exchange is one request and the response a server gave to it.
type exchange struct {
	name        string
	method      string
	path        string // after /client/v4, with query
	reqBody     string
	reqType     string // request Content-Type, application/json when reqBody is set
	status      int
	body        string
	contentType string // response Content-Type, application/json when empty
}

// run validates the exchange against spec.
func (x exchange) run(spec *Spec) error {
	var reqBody []byte
	req := httptest.NewRequest(x.method, "http://127.0.0.1:8787/client/v4"+x.path, nil)
	if x.reqBody != "" {
		reqBody = []byte(x.reqBody)
		req = httptest.NewRequest(x.method, "http://127.0.0.1:8787/client/v4"+x.path, bytes.NewReader(reqBody))
		ct := x.reqType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	ct := x.contentType
	if ct == "" {
		ct = "application/json"
	}
	status := x.status
	if status == 0 {
		status = http.StatusOK
	}
	resp := &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {ct}},
		Body:       io.NopCloser(bytes.NewReader([]byte(x.body))),
		Request:    req,
	}
	return spec.ValidateExchange(req, reqBody, resp, []byte(x.body))
}

func runExchanges(t *testing.T, spec *Spec, exchanges []exchange) {
	t.Helper()
	for _, x := range exchanges {
		t.Run(x.name, func(t *testing.T) {
			if err := x.run(spec); err != nil {
				t.Errorf("realistic exchange rejected: %v", err)
			}
		})
	}
}

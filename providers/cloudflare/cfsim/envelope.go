package cfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Cloudflare error codes the simulator answers with. They are the codes the
// real API uses for the same situations, as far as public reports show.
const (
	codeRateLimited       = 971   // global rate limit
	codeInvalidRequest    = 1001  // malformed query parameter
	codeUnknownSetting    = 1006  // unrecognised zone setting name
	codeInvalidSetting    = 1007  // invalid value for a zone setting
	codePurgeInvalid      = 1012  // purge_cache body without a valid purge kind
	codeMalformedJSON     = 6007  // request body is not the JSON the endpoint takes
	codeBodyTooLarge      = 6008  // request body over the size limit
	codeNoRoute           = 7000  // no route for that URI
	codeMethodNotAllowed  = 7001  // method not allowed for that URI
	codeCouldNotRoute     = 7003  // object identifier is not well formed
	codeDNSNameInvalid    = 9000  // record name invalid or outside the zone
	codeNotProxiable      = 9004  // record type cannot be proxied
	codeContentInvalid    = 9005  // record content invalid for its type
	codeRecordTypeInvalid = 9020  // unknown record type
	codeTTLInvalid        = 9021  // TTL not 1 nor 60-86400
	codeMissingAuth       = 9106  // no Authorization header
	codeUnauthorized      = 9109  // not allowed to access the resource
	codeAuthError         = 10000 // token invalid or lacking permission
	codeInternal          = 10001 // injected server failure
	codeNotFound          = 10003 // ruleset / rule / entrypoint not found
	codeWorkerNotFound    = 10007 // worker script not found
	codeRouteInvalid      = 10019 // worker route invalid
	codeRouteConflict     = 10020 // worker route pattern already exists
	codeRulesetInvalid    = 20021 // ruleset or rule failed validation
	codeRecordNotFound    = 81044 // DNS record not found
	codeHostExists        = 81053 // CNAME conflicts with an existing record
	codeCNAMEExists       = 81054 // a CNAME already holds the name
	codeIdenticalRecord   = 81058 // identical record exists
)

// apiError is an error the API answers with: HTTP status plus Cloudflare code.
type apiError struct {
	Status  int
	Code    int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (%d)", e.Message, e.Code) }

func errf(status, code int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

type cfMessage struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type envelope struct {
	Success    bool        `json:"success"`
	Errors     []cfMessage `json:"errors"`
	Messages   []cfMessage `json:"messages"`
	Result     any         `json:"result"`
	ResultInfo any         `json:"result_info,omitempty"`
}

// pageInfo is the page-number pagination block of list responses.
type pageInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"success":false,"errors":[{"code":10001,"message":"The response could not be encoded."}],"messages":[],"result":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeResult(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Errors: []cfMessage{}, Messages: []cfMessage{}, Result: result})
}

func writeList(w http.ResponseWriter, result any, info any) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Errors: []cfMessage{}, Messages: []cfMessage{}, Result: result, ResultInfo: info})
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, e.Status, envelope{Success: false, Errors: []cfMessage{{Code: e.Code, Message: e.Message}}, Messages: []cfMessage{}, Result: nil})
}

// ts formats a timestamp the way the API does.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// paginate cuts items to the requested page; past the last page it returns
// an empty slice, which is the only stop signal the SDK's auto-pager knows.
func paginate[T any](items []T, page, perPage int) ([]T, pageInfo) {
	total := len(items)
	pages := (total + perPage - 1) / perPage
	start := (page - 1) * perPage
	out := []T{}
	if start < total {
		end := min(start+perPage, total)
		out = items[start:end]
	}
	return out, pageInfo{Page: page, PerPage: perPage, Count: len(out), TotalCount: total, TotalPages: pages}
}

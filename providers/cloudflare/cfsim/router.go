package cfsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const maxBodyBytes = 10 << 20

// access says what a route needs from the token.
type access int

const (
	accessAny      access = iota // any valid token (token endpoints)
	accessRead                   // read scope (zone routes also check the zone)
	accessWrite                  // write scope
	accessAccountR               // read on the account (not zone-limited tokens)
	accessAccountW               // write on the account
)

// call is one API request being handled; the server mutex is held.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	tok    *tokenState
	params map[string]string
	query  url.Values
	zone   *zoneState
	now    time.Time
}

func (c *call) actor() actor {
	return actor{Token: c.tok, Method: c.r.Method, URI: c.r.URL.Path, At: c.now}
}

type routeDef struct {
	method  string
	pattern string
	segs    []string
	access  access
	json    func(c *call) (result any, info any, err *apiError)
	raw     func(c *call) // writes its own response
}

func (s *Server) apiRoutes() []routeDef {
	defs := []routeDef{
		{method: "GET", pattern: "/user/tokens/verify", access: accessAny, json: s.verifyToken},
		{method: "GET", pattern: "/user/tokens/{token_id}", access: accessAny, json: s.getToken},
		{method: "GET", pattern: "/accounts/{account_id}", access: accessAccountR, json: s.getAccount},
		{method: "GET", pattern: "/accounts/{account_id}/logs/audit", access: accessAccountR, json: s.listAuditLogs},
		{method: "GET", pattern: "/accounts/{account_id}/workers/scripts", access: accessAccountR, json: s.listScripts},
		{method: "GET", pattern: "/accounts/{account_id}/workers/scripts/{script_name}", access: accessAccountR, raw: s.getScript},
		{method: "PUT", pattern: "/accounts/{account_id}/workers/scripts/{script_name}", access: accessAccountW, json: s.putScript},
		{method: "DELETE", pattern: "/accounts/{account_id}/workers/scripts/{script_name}", access: accessAccountW, json: s.deleteScriptH},
		{method: "GET", pattern: "/zones", access: accessRead, json: s.listZones},
		{method: "GET", pattern: "/zones/{id}", access: accessRead, json: s.getZone},
		{method: "GET", pattern: "/zones/{id}/dns_records", access: accessRead, json: s.listRecords},
		{method: "POST", pattern: "/zones/{id}/dns_records", access: accessWrite, json: s.createRecordH},
		{method: "GET", pattern: "/zones/{id}/dns_records/export", access: accessRead, raw: s.exportRecords},
		{method: "GET", pattern: "/zones/{id}/dns_records/{record_id}", access: accessRead, json: s.getRecord},
		{method: "PATCH", pattern: "/zones/{id}/dns_records/{record_id}", access: accessWrite, json: s.patchRecordH},
		{method: "PUT", pattern: "/zones/{id}/dns_records/{record_id}", access: accessWrite, json: s.putRecordH},
		{method: "DELETE", pattern: "/zones/{id}/dns_records/{record_id}", access: accessWrite, json: s.deleteRecordH},
		{method: "GET", pattern: "/zones/{id}/settings", access: accessRead, json: s.listSettings},
		{method: "GET", pattern: "/zones/{id}/settings/{setting_id}", access: accessRead, json: s.getSetting},
		{method: "PATCH", pattern: "/zones/{id}/settings/{setting_id}", access: accessWrite, json: s.patchSetting},
		{method: "GET", pattern: "/zones/{id}/rulesets", access: accessRead, json: s.listRulesets},
		{method: "GET", pattern: "/zones/{id}/rulesets/phases/{phase}/entrypoint", access: accessRead, json: s.getEntrypoint},
		{method: "PUT", pattern: "/zones/{id}/rulesets/phases/{phase}/entrypoint", access: accessWrite, json: s.putEntrypoint},
		{method: "GET", pattern: "/zones/{id}/rulesets/{ruleset_id}", access: accessRead, json: s.getRuleset},
		{method: "PUT", pattern: "/zones/{id}/rulesets/{ruleset_id}", access: accessWrite, json: s.putRuleset},
		{method: "POST", pattern: "/zones/{id}/rulesets/{ruleset_id}/rules", access: accessWrite, json: s.addRuleH},
		{method: "PATCH", pattern: "/zones/{id}/rulesets/{ruleset_id}/rules/{rule_id}", access: accessWrite, json: s.patchRuleH},
		{method: "DELETE", pattern: "/zones/{id}/rulesets/{ruleset_id}/rules/{rule_id}", access: accessWrite, json: s.deleteRuleH},
		{method: "GET", pattern: "/zones/{id}/workers/routes", access: accessRead, json: s.listRoutes},
		{method: "POST", pattern: "/zones/{id}/workers/routes", access: accessWrite, json: s.createRouteH},
		{method: "GET", pattern: "/zones/{id}/workers/routes/{route_id}", access: accessRead, json: s.getRoute},
		{method: "PUT", pattern: "/zones/{id}/workers/routes/{route_id}", access: accessWrite, json: s.putRouteH},
		{method: "DELETE", pattern: "/zones/{id}/workers/routes/{route_id}", access: accessWrite, json: s.deleteRouteH},
		{method: "POST", pattern: "/zones/{id}/purge_cache", access: accessWrite, json: s.purgeH},
		{method: "POST", pattern: "/graphql", access: accessRead, raw: s.graphql},
	}
	for i := range defs {
		defs[i].segs = strings.Split(strings.Trim(defs[i].pattern, "/"), "/")
	}
	return defs
}

// match finds the route for method and path; a path known under another
// method gives pathKnown.
func (s *Server) match(method, path string) (def *routeDef, params map[string]string, pathKnown bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range s.routes {
		d := &s.routes[i]
		p, ok := matchSegs(d.segs, segs)
		if !ok {
			continue
		}
		if d.method == method {
			return d, p, true
		}
		pathKnown = true
	}
	return nil, nil, pathKnown
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
		} else if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// Handler serves the whole API: /client/v4/... and /__sim/....
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/client/v4/", s.serveAPI)
	mux.HandleFunc("/__sim/", s.serveControl)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errf(http.StatusNotFound, codeNoRoute, "No route for that URI."))
	})
	return s.recoverer(mux)
}

// recoverer is the last line of defence: a panic becomes a 500 with a
// Cloudflare-style body, and is counted so tests can fail on it.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.panics.Add(1)
				log.Printf("cfsim: recovered from a panic serving %s %s: %v", r.Method, r.URL.Path, v)
				writeError(w, errf(http.StatusInternalServerError, codeInternal, "Internal server error."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	path := strings.TrimPrefix(r.URL.Path, "/client/v4")
	def, params, known := s.match(r.Method, path)

	s.mu.Lock()
	s.fireDueLocked()
	fault := s.matchFault(r.Method, path)
	s.mu.Unlock()
	if fault != nil {
		if done := fault.apply(w, r); done {
			return
		}
	}

	if def == nil {
		if known {
			writeError(w, errf(http.StatusMethodNotAllowed, codeMethodNotAllowed, "Method %s is not allowed for that URI.", r.Method))
		} else {
			writeError(w, errf(http.StatusBadRequest, codeNoRoute, "No route for that URI."))
		}
		return
	}
	// Read the body before taking the state lock, so a slow client never
	// holds up other requests.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, errf(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "Request body is larger than %d bytes.", maxBodyBytes))
		} else {
			writeError(w, errf(http.StatusBadRequest, codeMalformedJSON, "Request body could not be read."))
		}
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	out := w
	var rec *truncatingWriter
	if fault != nil && fault.Truncate {
		rec = &truncatingWriter{header: http.Header{}}
		out = rec
	}
	s.mu.Lock()
	s.handle(out, r, def, params, path)
	s.mu.Unlock()
	if rec != nil {
		rec.flushTruncated(w)
	}
}

// handle authenticates, rate-limits, counts and runs one API call.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, def *routeDef, params map[string]string, path string) {
	c := &call{s: s, w: w, r: r, params: params, query: r.URL.Query(), now: s.clock.Now()}
	tok, authErr := s.authenticate(r, def)
	s.count(def, tok)
	if authErr != nil {
		writeError(w, authErr)
		return
	}
	c.tok = tok
	if retry, limited := s.limiter.take(tok.Name, time.Now()); limited {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		writeError(w, errf(http.StatusTooManyRequests, codeRateLimited, "Please wait and consider throttling your request speed."))
		return
	}
	if err := s.authorize(c, def, path); err != nil {
		writeError(w, err)
		return
	}
	if def.raw != nil {
		def.raw(c)
		return
	}
	result, info, err := def.json(c)
	if err != nil {
		writeError(w, err)
		return
	}
	if info != nil {
		writeList(w, result, info)
		return
	}
	writeResult(w, result)
}

func (s *Server) count(def *routeDef, tok *tokenState) {
	key := def.method + " " + def.pattern
	if s.stats[key] == nil {
		s.stats[key] = map[string]int{}
	}
	name := "(unauthenticated)"
	if tok != nil {
		name = tok.Name
	}
	s.stats[key][name]++
}

// decodeBody reads a JSON request body into v.
func (c *call) decodeBody(v any) *apiError {
	data, err := io.ReadAll(c.r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errf(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "Request body is larger than %d bytes.", maxBodyBytes)
		}
		return errf(http.StatusBadRequest, codeMalformedJSON, "Request body could not be read.")
	}
	return decodeJSON(data, v)
}

func decodeJSON(data []byte, v any) *apiError {
	if len(strings.TrimSpace(string(data))) == 0 {
		return errf(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON in request body: the body is empty.")
	}
	if err := json.Unmarshal(data, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return errf(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON in request body: field %s must be a %s.", typeErr.Field, jsonKind(typeErr.Type.String()))
		}
		return errf(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON in request body.")
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "float"), strings.Contains(goType, "int"):
		return "number"
	case strings.Contains(goType, "bool"):
		return "boolean"
	case strings.Contains(goType, "string") && !strings.HasPrefix(goType, "[]") && !strings.HasPrefix(goType, "*[]"):
		return "string"
	case strings.Contains(goType, "[]"):
		return "list"
	}
	return "object"
}

// pageParams reads page and per_page.
func (c *call) pageParams(def, max int) (int, int, *apiError) {
	page, perPage := 1, def
	if v := c.query.Get("page"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 1 || n != math.Trunc(n) || n > 1e9 {
			return 0, 0, errf(http.StatusBadRequest, codeInvalidRequest, "Invalid request: page must be a positive integer.")
		}
		page = int(n)
	}
	if v := c.query.Get("per_page"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 1 || n != math.Trunc(n) || n > 1e9 {
			return 0, 0, errf(http.StatusBadRequest, codeInvalidRequest, "Invalid request: per_page must be a positive integer.")
		}
		perPage = min(int(n), max)
	}
	return page, perPage, nil
}

func badParam(name, want string) *apiError {
	return errf(http.StatusBadRequest, codeInvalidRequest, "Invalid request: %s must be %s.", name, want)
}

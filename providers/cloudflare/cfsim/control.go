package cfsim

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg})
}

// serveControl is the simulator's control API; only loopback clients may
// use it.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		controlError(w, http.StatusForbidden, "The simulator control API accepts loopback clients only.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	route := r.Method + " " + strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/__sim"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDueLocked()
	switch route {
	case "GET /state":
		writeJSON(w, http.StatusOK, s.stateJSON())
	case "GET /stats":
		writeJSON(w, http.StatusOK, s.statsJSON())
	case "POST /mutate":
		s.controlMutate(w, r)
	case "POST /traffic":
		s.controlTraffic(w, r)
	case "GET /faults":
		writeJSON(w, http.StatusOK, map[string]any{"faults": s.faultsList()})
	case "POST /faults":
		s.controlFaults(w, r)
	case "DELETE /faults":
		s.faults = nil
		writeJSON(w, http.StatusOK, map[string]any{"faults": []any{}})
	case "POST /clock":
		s.controlClock(w, r)
	default:
		controlError(w, http.StatusNotFound, "Unknown control endpoint; use state, stats, mutate, traffic, faults or clock.")
	}
}

func (s *Server) faultsList() []*faultRule {
	if s.faults == nil {
		return []*faultRule{}
	}
	return s.faults
}

func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		controlError(w, http.StatusBadRequest, "The body is not valid JSON for this endpoint: "+err.Error()+".")
		return false
	}
	return true
}

func (s *Server) controlMutate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Actor  string       `json:"actor"`
		Change infra.Change `json:"change"`
	}
	if !decodeControl(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.Actor) == "" {
		controlError(w, http.StatusBadRequest, "A mutation needs an actor, e.g. alice@example.com.")
		return
	}
	res, err := s.st.applyChange(body.Change, actor{Email: body.Actor, At: s.clock.Now()})
	if err != nil {
		writeJSON(w, err.Status, map[string]any{"error": err.Message, "code": err.Code})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": res})
}

func (s *Server) controlTraffic(w http.ResponseWriter, r *http.Request) {
	var spec TrafficSpec
	if !decodeControl(w, r, &spec) {
		return
	}
	zones := map[string]bool{}
	for _, z := range s.st.zones {
		zones[z.Name] = true
	}
	inj, err := spec.injection(s.clock.Now(), zones)
	if err != nil {
		controlError(w, http.StatusBadRequest, "Traffic injection rejected: "+err.Error()+".")
		return
	}
	s.st.injects = append(s.st.injects, inj)
	writeJSON(w, http.StatusOK, map[string]any{"injection": inj})
}

func (s *Server) controlFaults(w http.ResponseWriter, r *http.Request) {
	var rules []*faultRule
	if !decodeControl(w, r, &rules) {
		return
	}
	for _, f := range rules {
		if f == nil {
			controlError(w, http.StatusBadRequest, "A fault rule is null.")
			return
		}
		f.Seen, f.Applied = 0, 0
		if err := f.validate(); err != nil {
			controlError(w, http.StatusBadRequest, "Fault rejected: "+err.Error()+".")
			return
		}
	}
	s.faults = append(s.faults, rules...)
	writeJSON(w, http.StatusOK, map[string]any{"faults": s.faults})
}

func (s *Server) controlClock(w http.ResponseWriter, r *http.Request) {
	if s.manual == nil {
		controlError(w, http.StatusConflict, "The clock can only be advanced when the simulator runs on a manual clock.")
		return
	}
	var body struct {
		Advance string `json:"advance"`
	}
	if !decodeControl(w, r, &body) {
		return
	}
	d, err := time.ParseDuration(body.Advance)
	if err != nil || d <= 0 {
		controlError(w, http.StatusBadRequest, "advance must be a positive duration like 30s.")
		return
	}
	s.manual.Advance(d)
	s.fireDueLocked()
	writeJSON(w, http.StatusOK, map[string]any{"now": s.clock.Now().UTC()})
}

func (s *Server) stateJSON() map[string]any {
	zones := []map[string]any{}
	for _, z := range s.st.zones {
		records := []map[string]any{}
		for _, r := range z.Records {
			records = append(records, recordToJSON(r))
		}
		settings := map[string]json.RawMessage{}
		for id, st := range z.Settings {
			settings[id] = st.Value
		}
		rulesets := []rulesetJSON{}
		for _, rs := range z.Rulesets {
			rulesets = append(rulesets, rulesetToJSON(rs, true))
		}
		routes := []map[string]any{}
		for _, r := range z.Routes {
			routes = append(routes, routeToJSON(r))
		}
		zones = append(zones, map[string]any{"id": z.ID, "name": z.Name, "environment": z.Environment,
			"records": records, "settings": settings, "rulesets": rulesets, "routes": routes})
	}
	workers := []map[string]any{}
	for _, name := range sortedKeys(s.st.scripts) {
		workers = append(workers, scriptToJSON(s.st.scripts[name]))
	}
	tokens := []map[string]any{}
	for _, t := range s.st.tokens {
		tokens = append(tokens, map[string]any{"id": t.ID, "name": t.Name, "scopes": t.Scopes, "zones": t.Zones})
	}
	pending := 0
	for _, f := range s.fired {
		if !f {
			pending++
		}
	}
	return map[string]any{"now": s.clock.Now().UTC(), "start": s.start.UTC(), "scenario": s.sc.Source, "seed": s.seed,
		"account": s.st.account, "zones": zones, "workers": workers, "tokens": tokens,
		"audit_entries": len(s.st.audit), "injections": s.st.injects, "events_fired": s.evLog, "events_pending": pending,
		"faults": s.faultsList(), "manual_clock": s.manual != nil}
}

func (s *Server) statsJSON() map[string]any {
	budgets := map[string]any{}
	now := time.Now()
	for _, t := range s.st.tokens {
		used, remaining := s.limiter.budget(t.Name, now)
		budgets[t.Name] = map[string]any{"limit": s.limiter.limit, "window": s.limiter.window.String(), "used": used, "remaining": remaining}
	}
	total := 0
	for _, byToken := range s.stats {
		for _, n := range byToken {
			total += n
		}
	}
	return map[string]any{"routes": s.stats, "total_requests": total, "rate_limit": budgets, "panics": s.panics.Load()}
}

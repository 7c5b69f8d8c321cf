package cfsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// actor is who makes a change: an API token or a dashboard user.
type actor struct {
	Email  string      // dashboard user (out-of-band change)
	Token  *tokenState // API token
	Method string
	URI    string
	At     time.Time // when the change happens (simulated)
}

// The operations below change the state and append an audit entry. The
// caller holds the server mutex. API handlers and /__sim/mutate share them,
// so both paths validate identically.

func (st *state) createRecord(z *zoneState, in recordInput, act actor) (*record, *apiError) {
	r, err := buildRecord(z.Name, nil, in)
	if err != nil {
		return nil, err
	}
	if err := checkConflicts(z.Records, r, ""); err != nil {
		return nil, err
	}
	r.ID, r.CreatedOn, r.ModifiedOn = st.newID("record"), act.At, act.At
	z.Records = append(z.Records, r)
	st.addAudit(act, "create", "dns.record", "dns_records", r.ID, z, in, nil, recordToJSON(r))
	return r, nil
}

func (st *state) updateRecord(z *zoneState, id string, in recordInput, replace bool, act actor) (*record, *apiError) {
	old := z.record(id)
	if old == nil {
		return nil, errf(http.StatusNotFound, codeRecordNotFound, "Record does not exist.")
	}
	base := old
	if replace {
		// PUT overwrites: fields the request leaves out take their defaults.
		base = &record{ID: old.ID, TTL: 1, CreatedOn: old.CreatedOn}
		if in.Type == nil || in.Name == nil {
			return nil, errf(http.StatusBadRequest, codeContentInvalid, "A DNS record needs a type and a name.")
		}
	}
	r, err := buildRecord(z.Name, base, in)
	if err != nil {
		return nil, err
	}
	if err := checkConflicts(z.Records, r, id); err != nil {
		return nil, err
	}
	r.ID, r.CreatedOn, r.ModifiedOn = old.ID, old.CreatedOn, act.At
	before := recordToJSON(old)
	for i, o := range z.Records {
		if o.ID == id {
			z.Records[i] = r
		}
	}
	st.addAudit(act, "update", "dns.record", "dns_records", id, z, in, before, recordToJSON(r))
	return r, nil
}

func (st *state) deleteRecord(z *zoneState, id string, act actor) *apiError {
	for i, r := range z.Records {
		if r.ID == id {
			z.Records = append(z.Records[:i:i], z.Records[i+1:]...)
			st.addAudit(act, "delete", "dns.record", "dns_records", id, z, nil, recordToJSON(r), nil)
			return nil
		}
	}
	return errf(http.StatusNotFound, codeRecordNotFound, "Record does not exist.")
}

func (st *state) editSetting(z *zoneState, id string, value json.RawMessage, act actor) (*setting, *apiError) {
	if err := validateSetting(id, value); err != nil {
		return nil, err
	}
	old, ok := z.Settings[id]
	var before any
	if ok {
		before = settingToJSON(id, old)
	}
	at := act.At
	s := &setting{Value: compactJSON(value), ModifiedOn: &at}
	z.Settings[id] = s
	st.addAudit(act, "update", "zone.setting", "zone_settings", id, z, map[string]any{"value": json.RawMessage(s.Value)}, before, settingToJSON(id, s))
	return s, nil
}

// ensureEntrypoint returns the zone's entrypoint ruleset of phase, creating
// an empty one when create is set.
func (st *state) ensureEntrypoint(z *zoneState, phase string, at time.Time) *ruleset {
	if rs := z.entrypoint(phase); rs != nil {
		return rs
	}
	rs := &ruleset{ID: st.newID("ruleset"), Name: "default", Kind: "zone", Phase: phase, Version: 0, LastUpdated: at}
	z.Rulesets = append(z.Rulesets, rs)
	return rs
}

// replaceRules replaces all rules of rs (PUT of a ruleset or entrypoint).
// Rules that name an existing id keep it; the others get new ids.
func (st *state) replaceRules(z *zoneState, rs *ruleset, name, desc *string, inputs []ruleInput, act actor) *apiError {
	var rules []*rule
	for _, in := range inputs {
		var base *rule
		if in.ID != nil {
			for _, r := range rs.Rules {
				if r.ID == *in.ID {
					base = r
				}
			}
			if base == nil {
				return errf(http.StatusBadRequest, codeRulesetInvalid, "Rule id %q does not belong to this ruleset.", *in.ID)
			}
		}
		r, err := buildRule(rs.Phase, base, in, act.At)
		if err != nil {
			return err
		}
		if base == nil {
			r.ID = st.newID("rule")
		}
		rules = append(rules, r)
	}
	before := rulesetToJSON(rs, true)
	if name != nil && *name != "" {
		rs.Name = *name
	}
	if desc != nil {
		rs.Description = *desc
	}
	rs.Rules, rs.Version, rs.LastUpdated = rules, rs.Version+1, act.At
	st.addAudit(act, "update", "ruleset", "rulesets", rs.ID, z, map[string]any{"rules": inputs}, before, rulesetToJSON(rs, true))
	return nil
}

func (st *state) addRule(z *zoneState, rs *ruleset, in ruleInput, act actor) (*rule, *apiError) {
	r, err := buildRule(rs.Phase, nil, in, act.At)
	if err != nil {
		return nil, err
	}
	r.ID = st.newID("rule")
	rs.Rules = append(rs.Rules, r)
	rs.Version, rs.LastUpdated = rs.Version+1, act.At
	st.addAudit(act, "create", "ruleset.rule", "rulesets", r.ID, z, in, nil, ruleToJSON(r))
	return r, nil
}

func (st *state) patchRule(z *zoneState, rs *ruleset, ruleID string, in ruleInput, act actor) (*rule, *apiError) {
	for i, old := range rs.Rules {
		if old.ID != ruleID {
			continue
		}
		r, err := buildRule(rs.Phase, old, in, act.At)
		if err != nil {
			return nil, err
		}
		rs.Rules[i] = r
		rs.Version, rs.LastUpdated = rs.Version+1, act.At
		st.addAudit(act, "update", "ruleset.rule", "rulesets", r.ID, z, in, ruleToJSON(old), ruleToJSON(r))
		return r, nil
	}
	return nil, errf(http.StatusNotFound, codeNotFound, "Could not find rule %s in ruleset %s.", ruleID, rs.ID)
}

func (st *state) deleteRule(z *zoneState, rs *ruleset, ruleID string, act actor) *apiError {
	for i, r := range rs.Rules {
		if r.ID == ruleID {
			rs.Rules = append(rs.Rules[:i:i], rs.Rules[i+1:]...)
			rs.Version, rs.LastUpdated = rs.Version+1, act.At
			st.addAudit(act, "delete", "ruleset.rule", "rulesets", ruleID, z, nil, ruleToJSON(r), nil)
			return nil
		}
	}
	return errf(http.StatusNotFound, codeNotFound, "Could not find rule %s in ruleset %s.", ruleID, rs.ID)
}

func (st *state) uploadScript(name, content, mainModule string, act actor) (*script, *apiError) {
	if !scriptName.MatchString(name) {
		return nil, errf(http.StatusBadRequest, codeRouteInvalid, "Worker name %q must be lower-case letters, digits, - or _.", name)
	}
	if strings.TrimSpace(content) == "" {
		return nil, errf(http.StatusBadRequest, codeRouteInvalid, "The Worker script is empty.")
	}
	old := st.scripts[name]
	s := &script{Name: name, Content: content, MainModule: mainModule, Etag: hashID("etag/", content, act.At.UnixNano()),
		CreatedOn: act.At, ModifiedOn: act.At}
	var before any
	action := "create"
	if old != nil {
		s.CreatedOn, action, before = old.CreatedOn, "update", scriptToJSON(old)
	}
	st.scripts[name] = s
	st.addAudit(act, action, "workers.script", "workers", name, nil, map[string]any{"main_module": mainModule, "size": len(content)}, before, scriptToJSON(s))
	return s, nil
}

func (st *state) deleteScript(name string, act actor) *apiError {
	old := st.scripts[name]
	if old == nil {
		return errf(http.StatusNotFound, codeWorkerNotFound, "This Worker does not exist on your account.")
	}
	delete(st.scripts, name)
	st.addAudit(act, "delete", "workers.script", "workers", name, nil, nil, scriptToJSON(old), nil)
	return nil
}

// checkRoute validates a route pattern for zone z (self: the route being
// updated, excluded from the duplicate check).
func (st *state) checkRoute(z *zoneState, pattern, scriptName, self string) *apiError {
	host := strings.ToLower(pattern)
	if i := strings.Index(host, "/"); i >= 0 {
		host = host[:i]
	}
	host = strings.TrimPrefix(host, "*")
	host = strings.TrimPrefix(host, ".")
	if pattern == "" || strings.Contains(pattern, "://") || (host != z.Name && !strings.HasSuffix(host, "."+z.Name)) {
		return errf(http.StatusBadRequest, codeRouteInvalid, "Route pattern %q must be a host of zone %s with an optional path, like %s/*.", pattern, z.Name, z.Name)
	}
	if scriptName != "" && st.scripts[scriptName] == nil {
		return errf(http.StatusBadRequest, codeWorkerNotFound, "Worker %q does not exist on your account.", scriptName)
	}
	for _, r := range z.Routes {
		if r.Pattern == pattern && r.ID != self {
			return errf(http.StatusConflict, codeRouteConflict, "A route with pattern %q already exists.", pattern)
		}
	}
	return nil
}

func (st *state) createRoute(z *zoneState, pattern, scriptName string, act actor) (*route, *apiError) {
	if err := st.checkRoute(z, pattern, scriptName, ""); err != nil {
		return nil, err
	}
	r := &route{ID: st.newID("route"), Pattern: pattern, Script: scriptName}
	z.Routes = append(z.Routes, r)
	st.addAudit(act, "create", "workers.route", "workers", r.ID, z, routeToJSON(r), nil, routeToJSON(r))
	return r, nil
}

func (st *state) updateRoute(z *zoneState, id, pattern, scriptName string, act actor) (*route, *apiError) {
	for i, old := range z.Routes {
		if old.ID != id {
			continue
		}
		if err := st.checkRoute(z, pattern, scriptName, id); err != nil {
			return nil, err
		}
		r := &route{ID: id, Pattern: pattern, Script: scriptName}
		z.Routes[i] = r
		st.addAudit(act, "update", "workers.route", "workers", id, z, routeToJSON(r), routeToJSON(old), routeToJSON(r))
		return r, nil
	}
	return nil, errf(http.StatusNotFound, codeRouteInvalid, "Route %s does not exist.", id)
}

func (st *state) deleteRoute(z *zoneState, id string, act actor) *apiError {
	for i, r := range z.Routes {
		if r.ID == id {
			z.Routes = append(z.Routes[:i:i], z.Routes[i+1:]...)
			st.addAudit(act, "delete", "workers.route", "workers", id, z, nil, routeToJSON(r), nil)
			return nil
		}
	}
	return errf(http.StatusNotFound, codeRouteInvalid, "Route %s does not exist.", id)
}

// purgeRequest is the body of POST /zones/{id}/purge_cache.
type purgeRequest struct {
	PurgeEverything *bool             `json:"purge_everything"`
	Files           []json.RawMessage `json:"files"`
	Tags            []string          `json:"tags"`
	Hosts           []string          `json:"hosts"`
	Prefixes        []string          `json:"prefixes"`
}

func (st *state) purge(z *zoneState, req purgeRequest, act actor) *apiError {
	kinds := 0
	if req.PurgeEverything != nil {
		if !*req.PurgeEverything {
			return errf(http.StatusBadRequest, codePurgeInvalid, "purge_everything must be true when given.")
		}
		kinds++
	}
	for _, n := range []int{len(req.Files), len(req.Tags), len(req.Hosts), len(req.Prefixes)} {
		if n > 30 {
			return errf(http.StatusBadRequest, codePurgeInvalid, "A purge request may name at most 30 files, tags, hosts or prefixes.")
		}
		if n > 0 {
			kinds++
		}
	}
	if kinds != 1 {
		return errf(http.StatusBadRequest, codePurgeInvalid, "Request must contain exactly one of purge_everything, files, tags, hosts or prefixes.")
	}
	for _, f := range req.Files {
		var url string
		var obj struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(f, &url) != nil {
			if json.Unmarshal(f, &obj) != nil {
				return errf(http.StatusBadRequest, codePurgeInvalid, "Each file must be a URL or an object with a url.")
			}
			url = obj.URL
		}
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			return errf(http.StatusBadRequest, codePurgeInvalid, "File %q is not an http(s) URL.", url)
		}
	}
	st.addAudit(act, "create", "cache.purge", "cache", z.ID, z, req, nil, map[string]any{"id": z.ID})
	return nil
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, _ := json.Marshal(v)
	return out
}

package cfsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// auditEntry is one entry of the account audit log (v2).
type auditEntry struct {
	seq          int
	ID           string
	Time         time.Time
	ActionType   string
	Actor        actor
	ResourceType string
	Product      string
	ResourceID   string
	ZoneID       string
	ZoneName     string
	Request      any
	Before       any
	After        any
}

func (st *state) addAudit(act actor, action, resType, product, resID string, z *zoneState, request, before, after any) {
	e := &auditEntry{seq: len(st.audit) + 1, ID: st.newID("audit"), Time: act.At, ActionType: action, Actor: act,
		ResourceType: resType, Product: product, ResourceID: resID, Request: request, Before: before, After: after}
	if z != nil {
		e.ZoneID, e.ZoneName = z.ID, z.Name
	}
	st.audit = append(st.audit, e)
}

// auditJSON follows the spec's aaa_audit-logs-v2 schema.
func (st *state) auditJSON(e *auditEntry) map[string]any {
	act := map[string]any{"type": "user", "ip_address": "198.51.100.7"}
	if e.Actor.Token != nil {
		act["context"], act["token_id"], act["token_name"], act["id"] = "api_token", e.Actor.Token.ID, e.Actor.Token.Name, st.ownerID
	} else {
		act["context"], act["email"], act["id"] = "dash", e.Actor.Email, hashID("user/", e.Actor.Email)
	}
	request := map[string]any{}
	if e.Request != nil {
		request = objectOf(e.Request)
	}
	response := map[string]any{}
	if e.Before != nil {
		response["before"] = e.Before
	}
	if e.After != nil {
		response["after"] = e.After
	}
	method, uri := e.Actor.Method, e.Actor.URI
	if method == "" {
		method, uri = "DASH", "dash.cloudflare.com"
	}
	scope := map[string]any{"accounts": st.account.ID}
	out := map[string]any{
		"id":      e.ID,
		"account": map[string]any{"id": st.account.ID, "name": st.account.Name},
		"action":  map[string]any{"type": e.ActionType, "result": "success", "time": e.Time.UTC().Format(time.RFC3339)},
		"actor":   act,
		"resource": map[string]any{"id": e.ResourceID, "type": e.ResourceType, "product": e.Product,
			"request": request, "response": response, "scope": scope},
		"raw": map[string]any{"method": method, "uri": uri, "status_code": 200, "cf_ray_id": e.ID[:16], "user_agent": "driftdeck-cfsim"},
	}
	if e.ZoneID != "" {
		out["zone"] = map[string]any{"id": e.ZoneID, "name": e.ZoneName}
		scope["zones"] = e.ZoneID
	}
	return out
}

// objectOf turns any value into a JSON object (spec: request is an object).
func objectOf(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return map[string]any{"value": json.RawMessage(raw)}
	}
	return m
}

// parseAuditTime reads since/before: an RFC 3339 time, or a date
// (YYYY-MM-DD, what the SDK sends), which for before includes that whole
// day so that before=today shows today's changes.
func parseAuditTime(s string, isBefore bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if isBefore {
			t = t.Add(24 * time.Hour)
		}
		return t, true
	}
	return time.Time{}, false
}

// auditFilters are the list filters the simulator honours: each takes
// repeated values, and a ".not" form excludes.
var auditFilters = map[string]func(st *state, e *auditEntry) string{
	"id":               func(_ *state, e *auditEntry) string { return e.ID },
	"zone_id":          func(_ *state, e *auditEntry) string { return e.ZoneID },
	"zone_name":        func(_ *state, e *auditEntry) string { return e.ZoneName },
	"resource_type":    func(_ *state, e *auditEntry) string { return e.ResourceType },
	"resource_id":      func(_ *state, e *auditEntry) string { return e.ResourceID },
	"resource_product": func(_ *state, e *auditEntry) string { return e.Product },
	"action_type":      func(_ *state, e *auditEntry) string { return e.ActionType },
	"action_result":    func(_ *state, e *auditEntry) string { return "success" },
	"actor_email":      func(_ *state, e *auditEntry) string { return e.Actor.Email },
	"actor_token_name": func(_ *state, e *auditEntry) string { return tokenName(e.Actor.Token) },
	"actor_context": func(_ *state, e *auditEntry) string {
		if e.Actor.Token != nil {
			return "api_token"
		}
		return "dash"
	},
}

func tokenName(t *tokenState) string {
	if t == nil {
		return ""
	}
	return t.Name
}

// listAudit answers GET /accounts/{id}/logs/audit. The cursor is opaque to
// clients; it encodes the sequence number of the last entry returned, so
// entries appended meanwhile never shift a page.
func (st *state) listAudit(q url.Values, tok *tokenState) (any, any, *apiError) {
	bad := func(format string, args ...any) (any, any, *apiError) {
		return nil, nil, errf(http.StatusBadRequest, codeInvalidRequest, format, args...)
	}
	since, ok1 := parseAuditTime(q.Get("since"), false)
	before, ok2 := parseAuditTime(q.Get("before"), true)
	if !ok1 || !ok2 {
		return bad("Query parameters since and before are required, as a date (2006-01-02) or an RFC 3339 time.")
	}
	dir := q.Get("direction")
	if dir == "" {
		dir = "desc"
	}
	if dir != "asc" && dir != "desc" {
		return bad("direction must be asc or desc.")
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 1 || n > 1000 || n != float64(int(n)) {
			return bad("limit must be an integer from 1 to 1000.")
		}
		limit = int(n)
	}
	after := 0
	if c := q.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "seq:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(raw), "seq:") {
			return bad("cursor is not valid.")
		}
		after = n
	}
	var matched []*auditEntry
	for _, e := range st.audit {
		if e.Time.Before(since) || !e.Time.Before(before) {
			continue
		}
		if tok != nil && e.ZoneID != "" && !tok.seesZone(e.ZoneID) {
			continue
		}
		if after > 0 && ((dir == "asc" && e.seq <= after) || (dir == "desc" && e.seq >= after)) {
			continue
		}
		if matchAuditFilters(st, e, q) {
			matched = append(matched, e)
		}
	}
	if dir == "desc" {
		slices.Reverse(matched)
	}
	page := matched
	cursor := ""
	if len(page) > limit {
		page = page[:limit]
		cursor = base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.Itoa(page[len(page)-1].seq)))
	}
	out := make([]map[string]any, 0, len(page))
	for _, e := range page {
		out = append(out, st.auditJSON(e))
	}
	info := map[string]any{"count": strconv.Itoa(len(out))}
	if cursor != "" {
		info["cursor"] = cursor
	}
	return out, info, nil
}

func matchAuditFilters(st *state, e *auditEntry, q url.Values) bool {
	for key, get := range auditFilters {
		if vals, ok := q[key]; ok && len(vals) > 0 && !slices.Contains(vals, get(st, e)) {
			return false
		}
		if vals, ok := q[key+".not"]; ok && slices.Contains(vals, get(st, e)) {
			return false
		}
	}
	return true
}

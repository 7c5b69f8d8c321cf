package cfsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// GraphQL limits: a query may span at most one day (Cloudflare's adaptive
// datasets allow one day per query on most plans) and return at most
// 10,000 rows per dataset, like the real API's limit cap.
const (
	gqlMaxRange = 24 * time.Hour
	gqlMaxLimit = 10000
	gqlMaxZones = 50
)

var datasetRe = regexp.MustCompile(`(?:([A-Za-z_][A-Za-z0-9_]*)\s*:\s*)?\b(httpRequestsAdaptiveGroups|firewallEventsAdaptiveGroups)\b`)

type gqlError struct {
	Message    string         `json:"message"`
	Path       []string       `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// writeGQLError answers like Cloudflare's GraphQL API: HTTP 200, data null.
func writeGQLError(w http.ResponseWriter, code, format string, args ...any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": nil, "errors": []gqlError{{
		Message: fmt.Sprintf(format, args...), Path: []string{"viewer", "zones"},
		Extensions: map[string]any{"code": code}}}})
}

// zoneTagFieldRe finds zoneTag selected as a field (not in a filter).
var zoneTagFieldRe = regexp.MustCompile(`[{\s]zoneTag\s`)

// graphql serves the traffic datasets the console reads. It recognises the
// datasets (and their aliases) by name and takes zoneTag, since, until and
// limit from the variables; it is not a GraphQL parser.
func (s *Server) graphql(c *call) {
	data, err := io.ReadAll(c.r.Body)
	if err != nil {
		writeError(c.w, errf(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "Request body is larger than %d bytes.", maxBodyBytes))
		return
	}
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if json.Unmarshal(data, &body) != nil {
		writeGQLError(c.w, "bad_request", "failed to parse the request body as JSON with query and variables")
		return
	}
	sets := datasetRe.FindAllStringSubmatch(body.Query, -1)
	if len(sets) == 0 {
		writeGQLError(c.w, "bad_request", "the query names no known dataset; supported are httpRequestsAdaptiveGroups and firewallEventsAdaptiveGroups")
		return
	}
	// One zone (zoneTag) or several (zoneTags, for zoneTag_in): each
	// element of viewer.zones then carries its zoneTag.
	var tags []string
	if zt, _ := body.Variables["zoneTag"].(string); zt != "" {
		tags = append(tags, zt)
	}
	if list, ok := body.Variables["zoneTags"].([]any); ok {
		for _, v := range list {
			if zt, _ := v.(string); zt != "" {
				tags = append(tags, zt)
			}
		}
	}
	sinceS, _ := body.Variables["since"].(string)
	untilS, _ := body.Variables["until"].(string)
	since, err1 := time.Parse(time.RFC3339, sinceS)
	until, err2 := time.Parse(time.RFC3339, untilS)
	limit, okLimit := intOf(body.Variables["limit"])
	switch {
	case len(tags) == 0:
		writeGQLError(c.w, "bad_request", "variable zoneTag (or zoneTags) is required")
		return
	case len(tags) > gqlMaxZones:
		writeGQLError(c.w, "bad_request", "at most %d zones may be queried at once", gqlMaxZones)
		return
	case err1 != nil || err2 != nil:
		writeGQLError(c.w, "bad_request", "variables since and until must be RFC 3339 times")
		return
	case !okLimit || limit < 1 || limit > gqlMaxLimit:
		writeGQLError(c.w, "bad_request", "variable limit must be an integer from 1 to %d", gqlMaxLimit)
		return
	}
	zones := make([]*zoneState, len(tags))
	for i, zoneTag := range tags {
		z := s.st.zoneByID(zoneTag)
		if z == nil || !c.tok.seesZone(zoneTag) {
			writeGQLError(c.w, "authz", "zone %s does not exist or the token is not authorized to read it", zoneTag)
			return
		}
		zones[i] = z
	}
	if until.After(c.now) {
		until = c.now
	}
	if !since.Before(until) {
		writeGQLError(c.w, "bad_request", "since must be before until (until is clipped to the current time)")
		return
	}
	if until.Sub(since) > gqlMaxRange {
		writeGQLError(c.w, "quota", "the time range is %s; at most %s may be queried at once", until.Sub(since), gqlMaxRange)
		return
	}
	desc := strings.Contains(body.Query, "datetimeMinute_DESC")
	out := make([]any, 0, len(zones))
	for i, z := range zones {
		zoneOut := map[string]any{}
		if zoneTagFieldRe.MatchString(body.Query) {
			zoneOut["zoneTag"] = tags[i]
		}
		for _, m := range sets {
			key := m[1]
			if key == "" {
				key = m[2]
			}
			zoneOut[key] = s.gqlRows(z, m[2], since, until, c.now, limit, desc)
		}
		out = append(out, zoneOut)
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"data": map[string]any{"viewer": map[string]any{"zones": out}}, "errors": nil})
}

// gqlRows builds one dataset's rows for the complete minutes in
// [since, until), one row per (minute, status) or (minute, action).
func (s *Server) gqlRows(z *zoneState, dataset string, since, until, now time.Time, limit int, desc bool) []map[string]any {
	rows := []map[string]any{}
	first := since.Truncate(time.Minute)
	if first.Before(since) {
		first = first.Add(time.Minute)
	}
	var minutes []time.Time
	for m := first; m.Before(until) && !m.Add(time.Minute).After(now); m = m.Add(time.Minute) {
		minutes = append(minutes, m)
	}
	if desc {
		for i, j := 0, len(minutes)-1; i < j; i, j = i+1, j-1 {
			minutes[i], minutes[j] = minutes[j], minutes[i]
		}
	}
	for _, m := range minutes {
		t := s.st.trafficAt(z, m)
		stamp := m.UTC().Format(time.RFC3339)
		if dataset == "httpRequestsAdaptiveGroups" {
			for _, status := range httpStatuses {
				if t.Status[status] == 0 {
					continue
				}
				rows = append(rows, map[string]any{"count": t.Status[status],
					"dimensions": map[string]any{"datetimeMinute": stamp, "edgeResponseStatus": status},
					"sum":        map[string]any{"edgeResponseBytes": t.Bytes[status]}})
			}
		} else {
			for _, action := range fwActions {
				if t.Actions[action] == 0 {
					continue
				}
				rows = append(rows, map[string]any{"count": t.Actions[action],
					"dimensions": map[string]any{"datetimeMinute": stamp, "action": action}})
			}
		}
		if len(rows) >= limit {
			return rows[:limit]
		}
	}
	return rows
}

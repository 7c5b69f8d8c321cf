package cfsim

import (
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// authenticate finds the bearer token of the request.
func (s *Server) authenticate(r *http.Request, def *routeDef) (*tokenState, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errf(http.StatusBadRequest, codeMissingAuth, "Missing X-Auth-Key, X-Auth-Email or Authorization headers.")
	}
	value, ok := strings.CutPrefix(h, "Bearer ")
	if ok {
		for _, t := range s.st.tokens {
			if t.Value == strings.TrimSpace(value) {
				return t, nil
			}
		}
	}
	if def.pattern == "/user/tokens/verify" {
		return nil, errf(http.StatusUnauthorized, 1000, "Invalid API Token.")
	}
	return nil, errf(http.StatusForbidden, codeAuthError, "Authentication error.")
}

// authorize checks the token against the route's needs and resolves the
// zone of zone routes.
func (s *Server) authorize(c *call, def *routeDef, path string) *apiError {
	forbidden := errf(http.StatusForbidden, codeAuthError, "Authentication error.")
	if (def.access == accessWrite || def.access == accessAccountW) && !c.tok.canWrite() {
		return forbidden
	}
	if id, ok := c.params["id"]; ok {
		if !hexID.MatchString(id) {
			return errf(http.StatusBadRequest, codeCouldNotRoute, "Could not route to %s, perhaps your object identifier is invalid?", path)
		}
		z := s.st.zoneByID(id)
		if z == nil || !c.tok.seesZone(id) {
			return forbidden
		}
		c.zone = z
	}
	if id, ok := c.params["account_id"]; ok {
		if !hexID.MatchString(id) {
			return errf(http.StatusBadRequest, codeCouldNotRoute, "Could not route to %s, perhaps your object identifier is invalid?", path)
		}
		if id != s.st.account.ID || c.tok.zoneIDs != nil {
			return errf(http.StatusForbidden, codeUnauthorized, "Unauthorized to access requested resource.")
		}
	}
	return nil
}

// rateLimiter is Cloudflare's global limit: so many requests per window per
// token, over a sliding window of wall-clock time.
type rateLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	seen   map[string][]time.Time
}

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	if limit <= 0 {
		limit = 1200
	}
	if window <= 0 {
		window = 5 * time.Minute
	}
	return &rateLimiter{limit: limit, window: window, seen: map[string][]time.Time{}}
}

// take records one request of key at now; when over the limit it records
// nothing and says how many seconds to wait.
func (l *rateLimiter) take(key string, now time.Time) (retryAfter int, limited bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.prune(key, now)
	if len(times) >= l.limit {
		wait := times[0].Add(l.window).Sub(now)
		return max(1, int(math.Ceil(wait.Seconds()))), true
	}
	l.seen[key] = append(times, now)
	return 0, false
}

func (l *rateLimiter) prune(key string, now time.Time) []time.Time {
	times := l.seen[key]
	cut := 0
	for cut < len(times) && !times[cut].After(now.Add(-l.window)) {
		cut++
	}
	times = times[cut:]
	l.seen[key] = times
	return times
}

// budget reports used and remaining requests of key in the current window.
func (l *rateLimiter) budget(key string, now time.Time) (used, remaining int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	used = len(l.prune(key, now))
	return used, max(0, l.limit-used)
}

// Permission groups with Cloudflare's ids, by what a scope grants.
type permGroup struct{ ID, Name string }

var (
	zoneReadGroups = []permGroup{
		{"c8fed203ed3043cba015a93ad1616f1f", "Zone Read"},
		{"82e64a83756745bbbb1c9c2701bf816b", "DNS Read"},
		{"517b21aee92c4d89936c976ba6e4be55", "Zone Settings Read"},
		{"dbc512b354774852af2b5a5f4ba3d470", "Zone WAF Read"},
		{"2072033d694d415a936eaeb94e6405b8", "Workers Routes Read"},
		{"9c88f9c5bce24ce7af9a958ba9c504db", "Analytics Read"},
	}
	zoneWriteGroups = []permGroup{
		{"4755a26eedb94da69e1066d98aa820be", "DNS Write"},
		{"3030687196b94b638145a3953da2b699", "Zone Settings Write"},
		{"fb6778dc191143babbfaa57993f1d275", "Zone WAF Write"},
		{"28f4b596e7d643029c524985477ae49a", "Workers Routes Write"},
		{"e17beae8b8cb423a99b1730f21238bed", "Cache Purge"},
	}
	accountReadGroups  = []permGroup{{"c1fde68c7bcc44588cbb6ddbc16d6480", "Account Settings Read"}, {"1a71c399035b4950a1bd1466bbe4f420", "Workers Scripts Read"}}
	accountWriteGroups = []permGroup{{"e086da7e2179491d91ee5f35b3ca210a", "Workers Scripts Write"}}
)

func groupsJSON(groups ...[]permGroup) []map[string]any {
	var out []map[string]any
	for _, gs := range groups {
		for _, g := range gs {
			out = append(out, map[string]any{"id": g.ID, "name": g.Name})
		}
	}
	return out
}

// tokenJSON describes a token with the policies that say what it may do.
func (s *Server) tokenJSON(t *tokenState) map[string]any {
	zoneRes := map[string]any{}
	if t.zoneIDs == nil {
		zoneRes["com.cloudflare.api.account."+s.st.account.ID] = map[string]string{"com.cloudflare.api.account.zone.*": "*"}
	} else {
		for _, id := range sortedKeys(t.zoneIDs) {
			zoneRes["com.cloudflare.api.account.zone."+id] = "*"
		}
	}
	zoneGroups := [][]permGroup{zoneReadGroups}
	if t.canWrite() {
		zoneGroups = append(zoneGroups, zoneWriteGroups)
	}
	policies := []map[string]any{{"id": hashID("policy/zone/", t.Name), "effect": "allow",
		"permission_groups": groupsJSON(zoneGroups...), "resources": zoneRes}}
	if t.zoneIDs == nil {
		accGroups := [][]permGroup{accountReadGroups}
		if t.canWrite() {
			accGroups = append(accGroups, accountWriteGroups)
		}
		policies = append(policies, map[string]any{"id": hashID("policy/account/", t.Name), "effect": "allow",
			"permission_groups": groupsJSON(accGroups...), "resources": map[string]any{"com.cloudflare.api.account." + s.st.account.ID: "*"}})
	}
	issued := ts(s.st.created)
	return map[string]any{"id": t.ID, "name": t.Name, "status": "active", "issued_on": issued, "modified_on": issued,
		"policies": policies, "condition": map[string]any{}}
}

func (s *Server) verifyToken(c *call) (any, any, *apiError) {
	return map[string]any{"id": c.tok.ID, "status": "active"}, nil, nil
}

// getToken lets a token read itself (which real tokens may do with the
// "API Tokens Read" permission); other tokens are not visible.
func (s *Server) getToken(c *call) (any, any, *apiError) {
	if c.params["token_id"] != c.tok.ID {
		return nil, nil, errf(http.StatusForbidden, codeUnauthorized, "Unauthorized to access requested resource.")
	}
	return s.tokenJSON(c.tok), nil, nil
}

func (s *Server) getAccount(c *call) (any, any, *apiError) {
	return map[string]any{"id": s.st.account.ID, "name": s.st.account.Name, "type": "standard",
		"created_on": ts(s.st.created), "settings": map[string]any{"enforce_twofactor": false}}, nil, nil
}

func (s *Server) listAuditLogs(c *call) (any, any, *apiError) {
	return s.st.listAudit(c.query, c.tok)
}

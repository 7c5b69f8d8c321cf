package cfsim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// state is everything the simulated account holds. One mutex in Server
// guards it.
type state struct {
	seed      int64
	idCounter int
	account   AccountSpec
	ownerID   string
	created   time.Time
	zones     []*zoneState
	tokens    []*tokenState
	scripts   map[string]*script
	audit     []*auditEntry
	injects   []injection
	models    map[string]TrafficModel // zone name -> model
}

type zoneState struct {
	ID          string
	Name        string
	Environment string
	CreatedOn   time.Time
	Records     []*record
	Settings    map[string]*setting
	Rulesets    []*ruleset
	Routes      []*route
}

type setting struct {
	Value      json.RawMessage
	ModifiedOn *time.Time
}

type ruleset struct {
	ID          string
	Name        string
	Description string
	Kind        string
	Phase       string
	Version     int
	LastUpdated time.Time
	Rules       []*rule
}

type rule struct {
	ID               string
	Ref              string
	Description      string
	Expression       string
	Action           string
	ActionParameters json.RawMessage
	Enabled          bool
	RateLimit        *RateLimitSpec
	Version          int
	LastUpdated      time.Time
}

type route struct {
	ID      string
	Pattern string
	Script  string
}

type script struct {
	Name       string
	Content    string
	MainModule string
	Etag       string
	CreatedOn  time.Time
	ModifiedOn time.Time
}

type tokenState struct {
	TokenSpec
	ID      string
	zoneIDs map[string]bool // nil = all zones
}

func (t *tokenState) canWrite() bool {
	for _, s := range t.Scopes {
		if s == "write" {
			return true
		}
	}
	return false
}

func (t *tokenState) seesZone(id string) bool { return t.zoneIDs == nil || t.zoneIDs[id] }

// hashID derives a stable 32-hex identifier.
func hashID(parts ...any) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(sum[:16])
}

func (st *state) newID(kind string) string {
	st.idCounter++
	return hashID(st.seed, "/", kind, "/", st.idCounter)
}

func (st *state) zoneByID(id string) *zoneState {
	for _, z := range st.zones {
		if z.ID == id {
			return z
		}
	}
	return nil
}

func (st *state) zoneByName(name string) *zoneState {
	for _, z := range st.zones {
		if z.Name == name {
			return z
		}
	}
	return nil
}

func (z *zoneState) record(id string) *record {
	for _, r := range z.Records {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (z *zoneState) rulesetByID(id string) *ruleset {
	for _, rs := range z.Rulesets {
		if rs.ID == id {
			return rs
		}
	}
	return nil
}

func (z *zoneState) entrypoint(phase string) *ruleset {
	for _, rs := range z.Rulesets {
		if rs.Phase == phase && rs.Kind == "zone" {
			return rs
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Package infra is the vocabulary the engine uses to talk about infrastructure:
// what a snapshot of the live configuration holds, what a change is, what a
// traffic series and an audit event look like. Providers (Cloudflare, the
// simulator through the same client) produce and consume these types; the
// engine never sees a provider's own types.
package infra

import (
	"encoding/json"
	"time"
)

// Resource names one kind of configuration a snapshot can read.
type Resource string

const (
	ResZones          Resource = "zones"
	ResDNSRecords     Resource = "dns_records"
	ResSettings       Resource = "settings"
	ResFirewallRules  Resource = "firewall_rules"  // phase http_request_firewall_custom
	ResRateLimitRules Resource = "ratelimit_rules" // phase http_ratelimit
	ResWorkerScripts  Resource = "worker_scripts"  // account level
	ResWorkerRoutes   Resource = "worker_routes"
)

// AllResources is every resource kind, in the order a snapshot reads them.
var AllResources = []Resource{ResZones, ResDNSRecords, ResSettings, ResFirewallRules, ResRateLimitRules, ResWorkerScripts, ResWorkerRoutes}

// Scope narrows a snapshot. The zero value means everything.
type Scope struct {
	Zones     []string   // zone names; empty means every zone the token sees
	Resources []Resource // empty means AllResources
}

// Fetch says whether one resource list was read completely. A resource whose
// fetch is incomplete must never be treated as deleted.
type Fetch struct {
	Complete bool   `json:"complete"`
	Error    string `json:"error,omitempty"`
}

// Snapshot is the live configuration at one moment.
type Snapshot struct {
	TakenAt       time.Time      `json:"taken_at"`
	AccountID     string         `json:"account_id,omitempty"`
	Zones         []Zone         `json:"zones"`
	ZonesFetch    Fetch          `json:"zones_fetch"`
	WorkerScripts []WorkerScript `json:"worker_scripts,omitempty"`
	WorkersFetch  *Fetch         `json:"workers_fetch,omitempty"` // nil when not requested
	APICalls      int            `json:"api_calls"`               // requests this snapshot cost
}

// Zone is one zone's configuration. A nil *Fetch means the resource was not
// requested by the scope; a non-nil one says whether it was read completely.
type Zone struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status,omitempty"`

	Records      []DNSRecord `json:"records,omitempty"`
	RecordsFetch *Fetch      `json:"records_fetch,omitempty"`

	Settings      map[string]json.RawMessage `json:"settings,omitempty"` // setting id -> value
	SettingsFetch *Fetch                     `json:"settings_fetch,omitempty"`

	FirewallRulesetID string `json:"firewall_ruleset_id,omitempty"`
	FirewallRules     []Rule `json:"firewall_rules,omitempty"`
	FirewallFetch     *Fetch `json:"firewall_fetch,omitempty"`

	RateLimitRulesetID string `json:"ratelimit_ruleset_id,omitempty"`
	RateLimitRules     []Rule `json:"ratelimit_rules,omitempty"`
	RateLimitFetch     *Fetch `json:"ratelimit_fetch,omitempty"`

	Routes      []WorkerRoute `json:"routes,omitempty"`
	RoutesFetch *Fetch        `json:"routes_fetch,omitempty"`
}

// DNSRecord is a DNS record as driftdeck compares it.
type DNSRecord struct {
	ID       string   `json:"id,omitempty"`
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	Content  string   `json:"content"`
	TTL      int      `json:"ttl"`
	Proxied  bool     `json:"proxied"`
	Priority *int     `json:"priority,omitempty"` // MX, SRV, URI
	Comment  string   `json:"comment,omitempty"`
	Tags     []string `json:"tags,omitempty"`
}

// Rule is a rule of a zone entrypoint ruleset (custom WAF or rate limiting).
type Rule struct {
	ID          string     `json:"id,omitempty"`
	Ref         string     `json:"ref,omitempty"`
	Description string     `json:"description"`
	Expression  string     `json:"expression"`
	Action      string     `json:"action"`
	Enabled     bool       `json:"enabled"`
	RateLimit   *RateLimit `json:"ratelimit,omitempty"`
}

// RateLimit is the rate-limiting part of a rule in phase http_ratelimit.
type RateLimit struct {
	Characteristics   []string `json:"characteristics,omitempty"`
	Period            int      `json:"period"`
	RequestsPerPeriod int      `json:"requests_per_period"`
	MitigationTimeout int      `json:"mitigation_timeout"`
}

// WorkerScript is a deployed Worker (account level).
type WorkerScript struct {
	Name       string    `json:"name"`
	ModifiedOn time.Time `json:"modified_on,omitempty"`
	Etag       string    `json:"etag,omitempty"`
}

// WorkerRoute maps a URL pattern of a zone to a Worker.
type WorkerRoute struct {
	ID      string `json:"id,omitempty"`
	Pattern string `json:"pattern"`
	Script  string `json:"script,omitempty"`
}

// ChangeKind names one write operation. The set is closed: every write tool
// of the agent maps onto these kinds and providers apply exactly these.
type ChangeKind string

const (
	DNSCreate       ChangeKind = "dns.create"
	DNSUpdate       ChangeKind = "dns.update"
	DNSDelete       ChangeKind = "dns.delete"
	SettingEdit     ChangeKind = "setting.edit"
	FirewallCreate  ChangeKind = "firewall.create"
	FirewallUpdate  ChangeKind = "firewall.update"
	FirewallEnable  ChangeKind = "firewall.enable"
	FirewallDisable ChangeKind = "firewall.disable"
	FirewallDelete  ChangeKind = "firewall.delete"
	RateLimitAdd    ChangeKind = "ratelimit.add"
	CachePurge      ChangeKind = "cache.purge"
	WorkerDeploy    ChangeKind = "worker.deploy"
)

// Change is one exact write, before -> after. Before is what the live state
// must still be when the change executes (nil for creations); After is what
// it becomes (nil for deletions). Their JSON shapes by kind:
//
//	dns.*                      DNSRecord
//	setting.edit               SettingValue
//	firewall.*, ratelimit.add  Rule
//	cache.purge                PurgeRequest (after only)
//	worker.deploy              WorkerDeployment (before: the script's etag and route, if any)
type Change struct {
	Kind   ChangeKind      `json:"kind"`
	Zone   string          `json:"zone,omitempty"` // zone name
	Target string          `json:"target"`         // record id, setting id, rule id, script name...
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// SettingValue is a zone setting's id and value.
type SettingValue struct {
	ID    string          `json:"id"`
	Value json.RawMessage `json:"value"`
}

// PurgeRequest purges a zone's cache: everything, or by URLs or cache tags.
type PurgeRequest struct {
	Everything bool     `json:"everything,omitempty"`
	URLs       []string `json:"urls,omitempty"`
	Tags       []string `json:"tags,omitempty"`
}

// WorkerDeployment uploads a Worker script and optionally routes a pattern to it.
type WorkerDeployment struct {
	ScriptName   string `json:"script_name"`
	Source       string `json:"source,omitempty"`
	Etag         string `json:"etag,omitempty"` // before: the deployed version, if any
	RoutePattern string `json:"route_pattern,omitempty"`
}

// ApplyResult is what a provider reports after applying a change.
type ApplyResult struct {
	Target string          `json:"target"`          // the resource id (new for creations)
	After  json.RawMessage `json:"after,omitempty"` // the live state after the write, when known
}

// Point is one minute of a zone's traffic.
type Point struct {
	Time       time.Time `json:"time"`
	Requests   float64   `json:"requests"`
	Status4xx  float64   `json:"status_4xx"`
	Status5xx  float64   `json:"status_5xx"`
	Bytes      float64   `json:"bytes"`
	Blocks     float64   `json:"blocks"`     // firewall events with action block
	Challenges float64   `json:"challenges"` // managed / js / interactive challenges
}

// Series is a zone's traffic, one point per minute, oldest first, without gaps.
type Series struct {
	Zone   string        `json:"zone"`
	Step   time.Duration `json:"step"`
	Points []Point       `json:"points"`
}

// AuditEvent is one entry of the account audit log: who changed what.
type AuditEvent struct {
	ID           string          `json:"id"`
	Time         time.Time       `json:"time"`
	Actor        string          `json:"actor"` // email or token name
	ActorType    string          `json:"actor_type,omitempty"`
	Action       string          `json:"action"`        // create, update, delete, ...
	ResourceType string          `json:"resource_type"` // e.g. dns.record, zone.setting, ruleset
	ResourceID   string          `json:"resource_id,omitempty"`
	ZoneID       string          `json:"zone_id,omitempty"`
	ZoneName     string          `json:"zone_name,omitempty"`
	Before       json.RawMessage `json:"before,omitempty"`
	After        json.RawMessage `json:"after,omitempty"`
}

// TokenInfo is what a credential is and may do.
type TokenInfo struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"` // active, disabled, expired
	ExpiresOn *time.Time `json:"expires_on,omitempty"`
	// Permissions are the permission group names the token holds, when the
	// API lets the token read its own policies; CanWrite is derived from them.
	Permissions []string `json:"permissions,omitempty"`
	Zones       []string `json:"zones,omitempty"` // zone names it is limited to; empty = all
	CanWrite    bool     `json:"can_write"`
	Known       bool     `json:"known"` // false when the token's policies could not be read
}

// Budget is the client-side view of Cloudflare's global rate limit
// (1200 requests per 5 minutes per user).
type Budget struct {
	Limit     int           `json:"limit"`
	Window    time.Duration `json:"window"`
	Used      int           `json:"used"` // requests sent in the current window
	Remaining int           `json:"remaining"`
	// ThrottledUntil is set while the API answered 429 and Retry-After has not passed.
	ThrottledUntil time.Time `json:"throttled_until,omitempty"`
}

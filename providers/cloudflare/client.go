// Package cloudflare is driftdeck's Cloudflare provider: it reads the live
// configuration into infra types, applies infra changes, and serves traffic
// series and audit events, over the cloudflare-go v7 service packages plus a
// few raw calls the SDK has no method for (all settings at once, GraphQL,
// audit logs v2). Every request goes through one transport that keeps a
// client-side view of the rate-limit budget and honours Retry-After.
package cloudflare

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/cache"
	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/rulesets"
	"github.com/cloudflare/cloudflare-go/v7/user"
	"github.com/cloudflare/cloudflare-go/v7/workers"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// DefaultBaseURL is Cloudflare's API v4 endpoint.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

// Config says where the API is and how to talk to it.
type Config struct {
	BaseURL     string        // default DefaultBaseURL
	Token       string        // never logged, never in errors
	AccountID   string        // optional; discovered from the zones when empty
	HTTPClient  *http.Client  // optional; its transport is wrapped, never replaced
	Concurrency int           // parallel zone fetches in a snapshot, default 4
	Timeout     time.Duration // per request, default 30s
	OnEvent     func(Event)   // optional: throttling, retries, budget updates (for a UI)
	// Now is the clock used for audit-log windows; default time.Now. The
	// sandbox passes the simulator's clock so "now" means the same to both.
	Now func() time.Time
	// ReadAttempts bounds the attempts of one read (and of one write's
	// idempotent retries), default 3.
	ReadAttempts int
}

// EventKind names what an Event reports.
type EventKind string

const (
	EventThrottled EventKind = "throttled" // the API answered 429; requests wait until Until
	EventRetrying  EventKind = "retrying"  // a failed request is about to be retried
	EventBudget    EventKind = "budget"    // a request was sent; Budget is the new view
)

// Event tells a UI what the client is doing about rate limits and failures.
type Event struct {
	Kind    EventKind
	Op      string       // what was being done, e.g. "list DNS records of example.com"
	Attempt int          // for EventRetrying: the attempt that failed
	Err     string       // for EventRetrying: why it failed (untrusted text inside)
	Until   time.Time    // for EventThrottled
	Budget  infra.Budget // always filled
}

// Client talks to one Cloudflare account with one token.
type Client struct {
	cfg       Config
	baseURL   *url.URL
	http      *http.Client
	transport *budgetTransport
	calls     atomic.Int64

	records  *dns.RecordService
	zoneSvc  *zones.ZoneService
	phases   *rulesets.PhaseService
	rules    *rulesets.RuleService
	scripts  *workers.ScriptService
	routes   *workers.RouteService
	cacheSvc *cache.CacheService
	tokens   *user.TokenService

	mu        sync.Mutex
	zoneIDs   map[string]string // zone name -> id
	zoneNames map[string]string // zone id -> name
	accountID string
}

// New checks the configuration and builds a client. It sends no request.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("create Cloudflare client: the API token is empty")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("create Cloudflare client: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReadAttempts <= 0 {
		cfg.ReadAttempts = 3
	}
	c := &Client{
		cfg:       cfg,
		baseURL:   base,
		zoneIDs:   map[string]string{},
		zoneNames: map[string]string{},
		accountID: cfg.AccountID,
	}
	var inner http.RoundTripper = http.DefaultTransport
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
		if hc.Transport != nil {
			inner = hc.Transport
		}
	}
	c.transport = newBudgetTransport(inner, cfg.Timeout, &c.calls, c.emit)
	hc.Transport = c.transport
	c.http = hc

	// The SDK's own retries are off everywhere: it would resend POST/PATCH on
	// 409/5xx, and only this package knows which writes are safe to repeat.
	opts := []option.RequestOption{
		option.WithBaseURL(base.String()),
		option.WithAPIToken(cfg.Token),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	c.records = dns.NewRecordService(opts...)
	c.zoneSvc = zones.NewZoneService(opts...)
	c.phases = rulesets.NewPhaseService(opts...)
	c.rules = rulesets.NewRuleService(opts...)
	c.scripts = workers.NewScriptService(opts...)
	c.routes = workers.NewRouteService(opts...)
	c.cacheSvc = cache.NewCacheService(opts...)
	c.tokens = user.NewTokenService(opts...)
	return c, nil
}

// Budget is the client-side view of the rate-limit budget.
func (c *Client) Budget() infra.Budget { return c.transport.budget() }

// Calls is the number of API requests sent so far.
func (c *Client) Calls() int { return int(c.calls.Load()) }

func (c *Client) emit(ev Event) {
	if c.cfg.OnEvent == nil {
		return
	}
	if ev.Budget.Limit == 0 {
		ev.Budget = c.transport.budget()
	}
	c.cfg.OnEvent(ev)
}

// rememberZone caches a zone's name <-> id.
func (c *Client) rememberZone(id, name, accountID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.zoneIDs[name] = id
	c.zoneNames[id] = name
	if c.accountID == "" && accountID != "" {
		c.accountID = accountID
	}
}

func (c *Client) cachedZoneID(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.zoneIDs[name]
	return id, ok
}

func (c *Client) cachedZoneName(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name, ok := c.zoneNames[id]
	return name, ok
}

func (c *Client) knownAccountID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.accountID
}

package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/rulesets"
	"github.com/cloudflare/cloudflare-go/v7/workers"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// recordsPerPage is the largest page the DNS list accepts.
const recordsPerPage = 5000

const (
	phaseFirewall  = rulesets.Phase("http_request_firewall_custom")
	phaseRateLimit = rulesets.Phase("http_ratelimit")
)

type apiRecord struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	Content  string   `json:"content"`
	TTL      float64  `json:"ttl"`
	Proxied  bool     `json:"proxied"`
	Priority *float64 `json:"priority"`
	Comment  *string  `json:"comment"`
	Tags     []string `json:"tags"`
}

func (r apiRecord) infra() infra.DNSRecord {
	out := infra.DNSRecord{ID: r.ID, Type: r.Type, Name: r.Name, Content: r.Content, TTL: int(r.TTL), Proxied: r.Proxied, Tags: r.Tags}
	if r.Priority != nil {
		p := int(*r.Priority)
		out.Priority = &p
	}
	if r.Comment != nil {
		out.Comment = *r.Comment
	}
	return out
}

// listRecords reads all DNS records of a zone: one call per 5,000 records.
func (c *Client) listRecords(ctx context.Context, z apiZone) ([]infra.DNSRecord, error) {
	return c.findRecords(ctx, z, nil)
}

// findRecords lists a zone's records, optionally filtered by query values
// (e.g. type and name.exact, to check whether a create landed).
func (c *Client) findRecords(ctx context.Context, z apiZone, filter url.Values) ([]infra.DNSRecord, error) {
	op := "list DNS records of " + z.Name
	var params dns.RecordListParams
	params.ZoneID.Value = z.ID
	got, err := fetchAllPages(ctx, c, op, recordsPerPage, func(ctx context.Context, page int) (listEnvelope[apiRecord], error) {
		var env listEnvelope[apiRecord]
		opts := []option.RequestOption{
			option.WithQuery("page", strconv.Itoa(page)),
			option.WithQuery("per_page", strconv.Itoa(recordsPerPage)),
			option.WithResponseBodyInto(&env),
		}
		for k, vs := range filter {
			for _, v := range vs {
				opts = append(opts, option.WithQueryAdd(k, v))
			}
		}
		_, err := c.records.List(ctx, params, opts...)
		return env, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]infra.DNSRecord, 0, len(got))
	seen := make(map[string]bool, len(got))
	for _, r := range got {
		if seen[r.ID] {
			return nil, fmt.Errorf("%s: record %s came twice: the list changed while paging", op, r.ID)
		}
		seen[r.ID] = true
		out = append(out, r.infra())
	}
	return out, nil
}

// readSettings reads every setting of a zone in one raw call: the SDK only
// has per-setting calls, which would cost dozens of requests per zone.
func (c *Client) readSettings(ctx context.Context, z apiZone) (map[string]json.RawMessage, error) {
	op := "read settings of " + z.Name
	var env *envelope
	err := c.read(ctx, op, func(ctx context.Context) error {
		var e error
		env, e = c.rawV4(ctx, http.MethodGet, "/zones/"+url.PathEscape(z.ID)+"/settings", nil, nil)
		return e
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var items []struct {
		ID    string          `json:"id"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(env.Result, &items); err != nil {
		return nil, fmt.Errorf("%s: %w", op, &decodeError{err: err})
	}
	out := make(map[string]json.RawMessage, len(items))
	for _, it := range items {
		out[it.ID] = it.Value
	}
	return out, nil
}

// apiRule is a ruleset rule as the API returns it; Raw keeps every field so
// an edit sends back what we don't model (action_parameters, logging...).
type apiRule struct {
	ID          string `json:"id"`
	Ref         string `json:"ref"`
	Description string `json:"description"`
	Expression  string `json:"expression"`
	Action      string `json:"action"`
	Enabled     *bool  `json:"enabled"`
	Ratelimit   *struct {
		Characteristics   []string `json:"characteristics"`
		Period            int      `json:"period"`
		RequestsPerPeriod int      `json:"requests_per_period"`
		MitigationTimeout int      `json:"mitigation_timeout"`
	} `json:"ratelimit"`
	Raw json.RawMessage `json:"-"`
}

func (r apiRule) infra() infra.Rule {
	out := infra.Rule{ID: r.ID, Ref: r.Ref, Description: r.Description, Expression: r.Expression, Action: r.Action, Enabled: r.Enabled == nil || *r.Enabled}
	if r.Ratelimit != nil {
		out.RateLimit = &infra.RateLimit{
			Characteristics:   r.Ratelimit.Characteristics,
			Period:            r.Ratelimit.Period,
			RequestsPerPeriod: r.Ratelimit.RequestsPerPeriod,
			MitigationTimeout: r.Ratelimit.MitigationTimeout,
		}
	}
	return out
}

// phaseRuleset is a zone's entrypoint ruleset of one phase; ID is empty when
// the zone has none yet.
type phaseRuleset struct {
	ID       string
	Rules    []infra.Rule
	apiRules []apiRule
}

func (p phaseRuleset) byID(id string) (apiRule, bool) {
	for _, r := range p.apiRules {
		if r.ID == id {
			return r, true
		}
	}
	return apiRule{}, false
}

func (p phaseRuleset) byRef(ref string) (apiRule, bool) {
	for _, r := range p.apiRules {
		if r.Ref == ref {
			return r, true
		}
	}
	return apiRule{}, false
}

func phaseLabel(phase rulesets.Phase) string {
	if phase == phaseRateLimit {
		return "rate-limit rules"
	}
	return "custom firewall rules"
}

// readPhase reads a zone's entrypoint ruleset of a phase. A 404 means the
// zone has no such ruleset: complete and empty, not an error.
func (c *Client) readPhase(ctx context.Context, z apiZone, phase rulesets.Phase) (phaseRuleset, error) {
	op := fmt.Sprintf("read %s of %s", phaseLabel(phase), z.Name)
	var env struct {
		Result struct {
			ID    string            `json:"id"`
			Rules []json.RawMessage `json:"rules"`
		} `json:"result"`
	}
	var params rulesets.PhaseGetParams
	params.ZoneID.Value = z.ID
	err := c.read(ctx, op, func(ctx context.Context) error {
		_, e := c.phases.Get(ctx, phase, params, option.WithResponseBodyInto(&env))
		return e
	})
	if isStatus(err, http.StatusNotFound) {
		return phaseRuleset{}, nil
	}
	if err != nil {
		return phaseRuleset{}, fmt.Errorf("%s: %w", op, err)
	}
	return parseRuleset(op, env.Result.ID, env.Result.Rules)
}

func parseRuleset(op, id string, raws []json.RawMessage) (phaseRuleset, error) {
	out := phaseRuleset{ID: id, Rules: []infra.Rule{}}
	for _, raw := range raws {
		var r apiRule
		if err := json.Unmarshal(raw, &r); err != nil {
			return phaseRuleset{}, fmt.Errorf("%s: %w", op, &decodeError{err: err})
		}
		r.Raw = raw
		out.apiRules = append(out.apiRules, r)
		out.Rules = append(out.Rules, r.infra())
	}
	return out, nil
}

// listRoutes reads a zone's Worker routes (a single-page list).
func (c *Client) listRoutes(ctx context.Context, z apiZone) ([]infra.WorkerRoute, error) {
	op := "list Worker routes of " + z.Name
	var env listEnvelope[infra.WorkerRoute]
	var params workers.RouteListParams
	params.ZoneID.Value = z.ID
	err := c.read(ctx, op, func(ctx context.Context) error {
		_, e := c.routes.List(ctx, params, option.WithResponseBodyInto(&env))
		return e
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if env.Result == nil {
		env.Result = []infra.WorkerRoute{}
	}
	return env.Result, nil
}

// readScripts reads the account's Worker scripts (a single-page list).
func (c *Client) readScripts(ctx context.Context) ([]infra.WorkerScript, infra.Fetch) {
	const op = "list Worker scripts"
	account, err := c.accountIDFor(ctx)
	if err != nil {
		return nil, infra.Fetch{Error: fmt.Sprintf("%s: %v", op, err)}
	}
	var env listEnvelope[struct {
		ID         string    `json:"id"`
		Etag       string    `json:"etag"`
		ModifiedOn time.Time `json:"modified_on"`
	}]
	var params workers.ScriptListParams
	params.AccountID.Value = account
	err = c.read(ctx, op, func(ctx context.Context) error {
		_, e := c.scripts.List(ctx, params, option.WithResponseBodyInto(&env))
		return e
	})
	if err != nil {
		return nil, infra.Fetch{Error: fmt.Sprintf("%s: %v", op, err)}
	}
	out := make([]infra.WorkerScript, 0, len(env.Result))
	for _, s := range env.Result {
		out = append(out, infra.WorkerScript{Name: s.ID, Etag: s.Etag, ModifiedOn: s.ModifiedOn})
	}
	return out, infra.Fetch{Complete: true}
}

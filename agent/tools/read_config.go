package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

const zoneRE = `^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`

func zoneArg() *Schema {
	return pattern("The zone name, e.g. example.com (see list_zones).", 253, zoneRE)
}

var dnsTypes = []string{"A", "AAAA", "CNAME", "TXT", "MX", "NS", "CAA", "PTR", "SRV"}

// zoneState reads one zone's resources and checks it exists.
func (c *Catalog) zoneState(ctx context.Context, zone string, res ...infra.Resource) (*infra.Zone, error) {
	snap, err := c.deps.Infra.Snapshot(ctx, infra.Scope{Zones: []string{zone}, Resources: append([]infra.Resource{infra.ResZones}, res...)})
	if err != nil {
		return nil, fmt.Errorf("could not read zone %s from Cloudflare: %w", zone, err)
	}
	for i := range snap.Zones {
		if strings.EqualFold(snap.Zones[i].Name, zone) {
			return &snap.Zones[i], nil
		}
	}
	return nil, refusef("zone %q is not visible to driftdeck; call list_zones for the zone names", zone)
}

// fetchNote warns the model when a list was not read completely.
func (c *Catalog) fetchNote(f *infra.Fetch, what string) string {
	if f == nil || f.Complete {
		return ""
	}
	return fmt.Sprintf("WARNING: the %s could not be read completely (%s); absent entries may still exist.\n", what, c.cell(f.Error, 200))
}

func listZonesTool() *Tool {
	return &Tool{
		Name:        "list_zones",
		Description: "List the Cloudflare zones driftdeck can see: name, status and id. Call this first when you do not know the zone names.",
		Parameters:  object(nil, map[string]*Schema{}),
		Effect:      EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			snap, err := c.deps.Infra.Snapshot(ctx, infra.Scope{Resources: []infra.Resource{infra.ResZones}})
			if err != nil {
				return Result{}, fmt.Errorf("could not list zones: %w", err)
			}
			t := table{header: []string{"zone", "status", "id"}}
			for _, z := range snap.Zones {
				t.add(c.cell(z.Name, 253), c.cell(z.Status, 40), c.cell(z.ID, 64))
			}
			return c.tableResult("list_zones", c.fetchNote(&snap.ZonesFetch, "zone list"), &t, "zones", "the zone list is long; ask about one zone by name"), nil
		},
	}
}

// tableResult renders a table within the result budget and wraps it.
func (c *Catalog) tableResult(tool, preface string, t *table, noun, hint string) Result {
	budget := c.deps.Budget - len(preface) - 400 // room for the wrapper and the note
	body, shown := t.render(max(budget, 200))
	if len(t.rows) == 0 {
		body += "(none)\n"
	}
	return Result{Text: wrapUntrusted(tool, preface+body, truncationNote(shown, len(t.rows), noun, hint))}
}

type listDNSArgs struct {
	Zone string `json:"zone"`
	Name string `json:"name"`
	Type string `json:"type"`
}

func listDNSRecordsTool() *Tool {
	return &Tool{
		Name: "list_dns_records",
		Description: "List a zone's DNS records (id, type, name, content, ttl, proxied, comment). " +
			"Narrow with name (matches any record whose name contains it) and type. Use the id with change_dns_record.",
		Parameters: object([]string{"zone"}, map[string]*Schema{
			"zone": zoneArg(),
			"name": str("Only records whose name contains this text, e.g. www or api.example.com.", 253),
			"type": enum("Only records of this type.", dnsTypes...),
		}),
		Effect: EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[listDNSArgs](raw)
			if err != nil {
				return Result{}, err
			}
			z, err := c.zoneState(ctx, a.Zone, infra.ResDNSRecords)
			if err != nil {
				return Result{}, err
			}
			t := table{header: []string{"id", "type", "name", "content", "ttl", "proxied", "comment"}}
			for _, r := range z.Records {
				if a.Type != "" && !strings.EqualFold(r.Type, a.Type) {
					continue
				}
				if a.Name != "" && !strings.Contains(strings.ToLower(r.Name), strings.ToLower(a.Name)) {
					continue
				}
				content := r.Content
				if r.Priority != nil {
					content = strconv.Itoa(*r.Priority) + " " + content
				}
				ttl := strconv.Itoa(r.TTL)
				if r.TTL == 1 {
					ttl = "auto"
				}
				t.add(c.cell(r.ID, 64), c.cell(r.Type, 10), c.cell(r.Name, 253), c.cell(content, 200), ttl, strconv.FormatBool(r.Proxied), c.cell(r.Comment, 80))
			}
			return c.tableResult("list_dns_records", c.fetchNote(z.RecordsFetch, "DNS records"), &t, "records",
				"call list_dns_records with name= or type= to narrow"), nil
		},
	}
}

type zoneOnlyArgs struct {
	Zone string `json:"zone"`
}

func getZoneSettingsTool() *Tool {
	return &Tool{
		Name:        "get_zone_settings",
		Description: "Show a zone's settings (id and current value), e.g. ssl, min_tls_version, security_level, always_use_https, cache_level. Use the ids with set_zone_setting.",
		Parameters:  object([]string{"zone"}, map[string]*Schema{"zone": zoneArg()}),
		Effect:      EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[zoneOnlyArgs](raw)
			if err != nil {
				return Result{}, err
			}
			z, err := c.zoneState(ctx, a.Zone, infra.ResSettings)
			if err != nil {
				return Result{}, err
			}
			ids := make([]string, 0, len(z.Settings))
			for id := range z.Settings {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			t := table{header: []string{"setting", "value"}}
			for _, id := range ids {
				t.add(c.cell(id, 64), c.cell(compact(z.Settings[id]), 200))
			}
			return c.tableResult("get_zone_settings", c.fetchNote(z.SettingsFetch, "settings"), &t, "settings",
				"ask about specific settings by name"), nil
		},
	}
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func getFirewallRulesTool() *Tool {
	return &Tool{
		Name: "get_firewall_rules",
		Description: "Show a zone's custom firewall (WAF) rules and rate-limiting rules in order: id, enabled, action, description, expression, and the limit for rate-limit rules. " +
			"Use the ids with change_firewall_rule.",
		Parameters: object([]string{"zone"}, map[string]*Schema{"zone": zoneArg()}),
		Effect:     EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[zoneOnlyArgs](raw)
			if err != nil {
				return Result{}, err
			}
			z, err := c.zoneState(ctx, a.Zone, infra.ResFirewallRules, infra.ResRateLimitRules)
			if err != nil {
				return Result{}, err
			}
			t := table{header: []string{"kind", "id", "enabled", "action", "description", "expression", "limit"}}
			for _, r := range z.FirewallRules {
				t.add("firewall", c.cell(r.ID, 64), strconv.FormatBool(r.Enabled), c.cell(r.Action, 40), c.cell(r.Description, 100), c.cell(r.Expression, 400), "-")
			}
			for _, r := range z.RateLimitRules {
				limit := "-"
				if r.RateLimit != nil {
					limit = fmt.Sprintf("%d req/%ds, block %ds", r.RateLimit.RequestsPerPeriod, r.RateLimit.Period, r.RateLimit.MitigationTimeout)
				}
				t.add("ratelimit", c.cell(r.ID, 64), strconv.FormatBool(r.Enabled), c.cell(r.Action, 40), c.cell(r.Description, 100), c.cell(r.Expression, 400), limit)
			}
			preface := c.fetchNote(z.FirewallFetch, "firewall rules") + c.fetchNote(z.RateLimitFetch, "rate-limit rules")
			return c.tableResult("get_firewall_rules", preface, &t, "rules", "ask about fewer rules or quote a rule id"), nil
		},
	}
}

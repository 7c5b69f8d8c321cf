package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

// securitySettings weaken or strengthen a zone's protection when changed.
var securitySettings = []string{"ssl", "min_tls_version", "tls_1_3", "security_level", "always_use_https", "automatic_https_rewrites",
	"browser_check", "waf", "security_header", "opportunistic_encryption", "development_mode", "challenge_ttl", "ip_geolocation"}

type setSettingArgs struct {
	Zone      string          `json:"zone"`
	Setting   string          `json:"setting"`
	Value     json.RawMessage `json:"value"`
	Rationale string          `json:"rationale"`
}

func setZoneSettingTool() *Tool {
	return &Tool{
		Name: "set_zone_setting",
		Description: "Propose changing one zone setting (ids and current values from get_zone_settings), e.g. security_level to \"under_attack\". " +
			"This does NOT change anything: it creates a proposal card that a human must approve. The value must have the same JSON type as the current one.",
		Parameters: object([]string{"zone", "setting", "value"}, map[string]*Schema{
			"zone":      zoneArg(),
			"setting":   pattern("The setting id, e.g. security_level.", 64, `^[a-z0-9_]+$`),
			"value":     {Type: Types{"string", "number", "boolean", "object", "array"}, Description: "The new value, e.g. \"under_attack\", \"on\", 300."},
			"rationale": rationaleArg(),
		}),
		Effect: EffectWrite,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[setSettingArgs](raw)
			if err != nil {
				return Result{}, err
			}
			z, err := c.zoneState(ctx, a.Zone, infra.ResSettings)
			if err != nil {
				return Result{}, err
			}
			if err := mustComplete(z.SettingsFetch, "settings", z.Name); err != nil {
				return Result{}, err
			}
			cur, ok := z.Settings[a.Setting]
			if !ok {
				return Result{}, refusef("zone %s has no setting %q; call get_zone_settings for the setting ids", z.Name, a.Setting)
			}
			if jsonKind(cur) != jsonKind(a.Value) {
				return Result{}, refusef("argument `value`: setting %s takes a %s (it is now %s)", a.Setting, jsonKind(cur), clip(compact(cur), 80))
			}
			if proposal.SameJSON(cur, a.Value) {
				return Result{}, refusef("setting %s of %s is already %s; nothing to propose", a.Setting, z.Name, clip(compact(cur), 80))
			}
			risk := proposal.RiskMedium
			if slices.Contains(securitySettings, a.Setting) {
				risk = proposal.RiskHigh
			}
			ch := infra.Change{Kind: infra.SettingEdit, Zone: z.Name, Target: a.Setting,
				Before: encode(infra.SettingValue{ID: a.Setting, Value: cur}), After: encode(infra.SettingValue{ID: a.Setting, Value: a.Value})}
			title := fmt.Sprintf("Set %s of %s: %s -> %s", a.Setting, z.Name, clip(compact(cur), 60), clip(compact(a.Value), 60))
			return c.propose(ctx, "set_zone_setting", EffectWrite, risk, title, a.Rationale, []infra.Change{ch})
		},
	}
}

func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

var ruleActions = []string{"block", "managed_challenge", "js_challenge", "challenge", "log"}

type ruleArg struct {
	Description       *string `json:"description"`
	Expression        *string `json:"expression"`
	Action            string  `json:"action"`
	RequestsPerPeriod int     `json:"requests_per_period"`
	Period            int     `json:"period"`
	MitigationTimeout int     `json:"mitigation_timeout"`
}

type changeRuleArgs struct {
	Zone      string   `json:"zone"`
	Action    string   `json:"action"`
	RuleID    string   `json:"rule_id"`
	Rule      *ruleArg `json:"rule"`
	Rationale string   `json:"rationale"`
}

func expressionArg() *Schema {
	return nonEmpty("A Cloudflare Rules language expression, e.g. (ip.src in {198.51.100.0/24}) or (http.request.uri.path eq \"/login\").", 4096)
}

func changeFirewallRuleTool() *Tool {
	return &Tool{
		Name: "change_firewall_rule",
		Description: "Propose creating, updating, enabling, disabling or deleting one custom firewall (WAF) rule (ids from get_firewall_rules; enable, disable and delete also take rate-limit rule ids). " +
			"This does NOT change anything: it creates a proposal card that a human must approve. For update, rule holds only the fields to change.",
		Parameters: object([]string{"zone", "action"}, map[string]*Schema{
			"zone":    zoneArg(),
			"action":  enum("create, update, enable, disable or delete (delete is destructive).", "create", "update", "enable", "disable", "delete"),
			"rule_id": pattern("The rule's id (all actions but create).", 64, `^[A-Za-z0-9_-]+$`),
			"rule": object(nil, map[string]*Schema{
				"description": str("What the rule is for.", 500),
				"expression":  expressionArg(),
				"action":      enum("What to do with matching requests.", ruleActions...),
			}),
			"rationale": rationaleArg(),
		}),
		Effect:             EffectWrite,
		DestructiveActions: []string{"delete"},
		run:                runChangeRule,
	}
}

func runChangeRule(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
	a, err := argsOf[changeRuleArgs](raw)
	if err != nil {
		return Result{}, err
	}
	if a.Action != "create" && a.RuleID == "" {
		return Result{}, refusef("argument `rule_id` is required to %s a rule; call get_firewall_rules to find it", a.Action)
	}
	if (a.Action == "create" || a.Action == "update") && a.Rule == nil {
		return Result{}, refusef("argument `rule` is required to %s a rule", a.Action)
	}
	z, err := c.zoneState(ctx, a.Zone, infra.ResFirewallRules, infra.ResRateLimitRules)
	if err != nil {
		return Result{}, err
	}
	if err := mustComplete(z.FirewallFetch, "firewall rules", z.Name); err != nil {
		return Result{}, err
	}
	if a.Action == "create" {
		if a.Rule.Expression == nil || *a.Rule.Expression == "" || a.Rule.Action == "" {
			return Result{}, refusef("to create a rule, `rule` needs expression and action")
		}
		r := infra.Rule{Expression: *a.Rule.Expression, Action: a.Rule.Action, Enabled: true}
		if a.Rule.Description != nil {
			r.Description = *a.Rule.Description
		}
		ch := infra.Change{Kind: infra.FirewallCreate, Zone: z.Name, Target: "new rule", After: encode(r)}
		title := fmt.Sprintf("Create firewall rule on %s: %s when %s", z.Name, r.Action, clip(r.Expression, 80))
		return c.propose(ctx, "change_firewall_rule", EffectWrite, proposal.RiskMedium, title, a.Rationale, []infra.Change{ch})
	}
	var cur *infra.Rule
	for _, list := range [][]infra.Rule{z.FirewallRules, z.RateLimitRules} {
		for i := range list {
			if list[i].ID == a.RuleID {
				cur = &list[i]
			}
		}
	}
	if cur == nil {
		return Result{}, refusef("zone %s has no firewall or rate-limit rule with id %q; call get_firewall_rules to find the id", z.Name, a.RuleID)
	}
	if cur.RateLimit != nil {
		if err := mustComplete(z.RateLimitFetch, "rate-limit rules", z.Name); err != nil {
			return Result{}, err
		}
		if a.Action == "update" {
			return Result{}, refusef("rule %s is a rate-limit rule; it can be enabled, disabled or deleted here, or replaced with add_rate_limit_rule", cur.ID)
		}
	}
	next := *cur
	risk := proposal.RiskMedium
	var kind infra.ChangeKind
	switch a.Action {
	case "update":
		if a.Rule.Description != nil {
			next.Description = *a.Rule.Description
		}
		if a.Rule.Expression != nil && *a.Rule.Expression != "" {
			next.Expression = *a.Rule.Expression
		}
		if a.Rule.Action != "" {
			next.Action = a.Rule.Action
		}
		kind = infra.FirewallUpdate
	case "enable":
		next.Enabled, kind = true, infra.FirewallEnable
	case "disable":
		next.Enabled, kind, risk = false, infra.FirewallDisable, proposal.RiskHigh
	case "delete":
		kind, risk = infra.FirewallDelete, proposal.RiskHigh
	}
	ch := infra.Change{Kind: kind, Zone: z.Name, Target: cur.ID, Before: encode(*cur)}
	if kind != infra.FirewallDelete {
		if len(proposal.DiffRule(*cur, next)) == 0 {
			return Result{}, refusef("rule %s already is that way; nothing to propose", cur.ID)
		}
		ch.After = encode(next)
	}
	effect := EffectWrite
	if kind == infra.FirewallDelete {
		effect = EffectDestructive
	}
	title := fmt.Sprintf("%s rule %s on %s (%s)", titleCase(a.Action), cur.ID, z.Name, clip(cur.Description, 60))
	return c.propose(ctx, "change_firewall_rule", effect, risk, title, a.Rationale, []infra.Change{ch})
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

type rateLimitArgs struct {
	Zone      string  `json:"zone"`
	Rule      ruleArg `json:"rule"`
	Rationale string  `json:"rationale"`
}

func addRateLimitRuleTool() *Tool {
	return &Tool{
		Name: "add_rate_limit_rule",
		Description: "Propose adding a rate-limiting rule: requests matching expression from one IP (per Cloudflare data center) beyond requests_per_period per period seconds get action for mitigation_timeout seconds. " +
			"This does NOT change anything: it creates a proposal card that a human must approve.",
		Parameters: object([]string{"zone", "rule"}, map[string]*Schema{
			"zone": zoneArg(),
			"rule": object([]string{"expression", "requests_per_period", "period", "action"}, map[string]*Schema{
				"description":         str("What the rule is for.", 500),
				"expression":          expressionArg(),
				"requests_per_period": integer("Requests allowed per period from one client.", 1, 1000000),
				"period":              intEnum("Counting period in seconds.", 10, 60, 120, 300, 600, 3600),
				"mitigation_timeout":  intEnum("How long the action applies once triggered, in seconds (0 with challenge actions).", 0, 10, 60, 120, 300, 600, 3600, 86400),
				"action":              enum("What to do once the limit is exceeded.", ruleActions...),
			}),
			"rationale": rationaleArg(),
		}),
		Effect: EffectWrite,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[rateLimitArgs](raw)
			if err != nil {
				return Result{}, err
			}
			z, err := c.zoneState(ctx, a.Zone, infra.ResRateLimitRules)
			if err != nil {
				return Result{}, err
			}
			if err := mustComplete(z.RateLimitFetch, "rate-limit rules", z.Name); err != nil {
				return Result{}, err
			}
			r := infra.Rule{Expression: *a.Rule.Expression, Action: a.Rule.Action, Enabled: true, RateLimit: &infra.RateLimit{
				Characteristics: []string{"cf.colo.id", "ip.src"}, Period: a.Rule.Period,
				RequestsPerPeriod: a.Rule.RequestsPerPeriod, MitigationTimeout: a.Rule.MitigationTimeout,
			}}
			if a.Rule.Description != nil {
				r.Description = *a.Rule.Description
			}
			for _, ex := range z.RateLimitRules {
				if len(proposal.DiffRule(r, ex)) == 0 {
					return Result{}, refusef("an identical rate-limit rule already exists (id %s); nothing to propose", ex.ID)
				}
			}
			ch := infra.Change{Kind: infra.RateLimitAdd, Zone: z.Name, Target: "new rate-limit rule", After: encode(r)}
			title := fmt.Sprintf("Rate-limit %s on %s: %d req/%ds then %s", clip(r.Expression, 60), z.Name, a.Rule.RequestsPerPeriod, a.Rule.Period, r.Action)
			return c.propose(ctx, "add_rate_limit_rule", EffectWrite, proposal.RiskMedium, title, a.Rationale, []infra.Change{ch})
		},
	}
}

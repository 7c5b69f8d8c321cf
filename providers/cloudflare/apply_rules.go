package cloudflare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/rulesets"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// defaultCharacteristics is what a rate-limit rule counts by when the
// change does not say (Cloudflare requires cf.colo.id).
func defaultCharacteristics() []string { return []string{"cf.colo.id", "ip.src"} }

// ruleRef derives a stable ref from the change, so a retried create can
// recognise its own rule, and applying the same change twice creates one rule.
func ruleRef(ch infra.Change, r infra.Rule) string {
	if r.Ref != "" {
		return r.Ref
	}
	canon, _ := json.Marshal(struct {
		Kind, Zone, Target string
		Rule               infra.Rule
	}{string(ch.Kind), ch.Zone, ch.Target, r})
	sum := sha256.Sum256(canon)
	return "driftdeck-" + hex.EncodeToString(sum[:8])
}

// ruleBody is a new rule as the API takes it.
type ruleBody struct {
	Ref         string         `json:"ref"`
	Description string         `json:"description"`
	Expression  string         `json:"expression"`
	Action      string         `json:"action"`
	Enabled     bool           `json:"enabled"`
	Ratelimit   *ratelimitBody `json:"ratelimit,omitempty"`
}

type ratelimitBody struct {
	Characteristics   []string `json:"characteristics"`
	Period            int      `json:"period"`
	RequestsPerPeriod int      `json:"requests_per_period"`
	MitigationTimeout int      `json:"mitigation_timeout"`
}

func newRuleBody(ref string, r infra.Rule, phase rulesets.Phase) (ruleBody, error) {
	if r.Expression == "" {
		return ruleBody{}, fmt.Errorf("the rule has no expression")
	}
	b := ruleBody{Ref: ref, Description: r.Description, Expression: r.Expression, Action: r.Action, Enabled: true}
	if phase == phaseRateLimit {
		rl := r.RateLimit
		if rl == nil || rl.Period <= 0 || rl.RequestsPerPeriod <= 0 {
			return ruleBody{}, fmt.Errorf("the rate-limit rule needs a period and requests_per_period")
		}
		b.Ratelimit = &ratelimitBody{Characteristics: rl.Characteristics, Period: rl.Period, RequestsPerPeriod: rl.RequestsPerPeriod, MitigationTimeout: rl.MitigationTimeout}
		if len(b.Ratelimit.Characteristics) == 0 {
			b.Ratelimit.Characteristics = defaultCharacteristics()
		}
		if b.Action == "" {
			b.Action = "block"
		}
	}
	if b.Action == "" {
		return ruleBody{}, fmt.Errorf("the rule has no action")
	}
	return b, nil
}

type rulesetEnvelope struct {
	Result struct {
		ID    string            `json:"id"`
		Rules []json.RawMessage `json:"rules"`
	} `json:"result"`
}

// createRule adds a rule to the zone's entrypoint ruleset of the phase,
// creating the entrypoint when the zone has none yet.
func (c *Client) createRule(ctx context.Context, z apiZone, ch infra.Change, phase rulesets.Phase) (infra.ApplyResult, error) {
	want, err := decodeAfter[infra.Rule](ch)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	ref := ruleRef(ch, want)
	body, err := newRuleBody(ref, want, phase)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	op := fmt.Sprintf("add a rule to the %s of %s", phaseLabel(phase), z.Name)
	landed := func(ctx context.Context) (infra.ApplyResult, bool, error) {
		rs, err := c.readPhase(ctx, z, phase)
		if err != nil {
			return infra.ApplyResult{}, false, err
		}
		if r, ok := rs.byRef(ref); ok {
			return result(r.ID, r.infra()), true, nil
		}
		return infra.ApplyResult{}, false, nil
	}
	// Also the precondition: if this change was applied before, don't add a twin.
	if res, ok, err := landed(ctx); err != nil {
		return infra.ApplyResult{}, err
	} else if ok {
		return res, nil
	}
	rs, err := c.readPhase(ctx, z, phase)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	do := func(ctx context.Context) (infra.ApplyResult, error) {
		var env rulesetEnvelope
		if rs.ID == "" {
			var params rulesets.PhaseUpdateParams
			params.ZoneID.Value = z.ID
			entry, err := jsonBody(map[string]any{"rules": []ruleBody{body}})
			if err != nil {
				return infra.ApplyResult{}, err
			}
			if _, err := c.phases.Update(ctx, phase, params, entry, option.WithResponseBodyInto(&env)); err != nil {
				return infra.ApplyResult{}, err
			}
		} else {
			var params rulesets.RuleNewParams
			params.ZoneID.Value = z.ID
			params.Body = rulesets.RuleNewParamsBody{}
			rule, err := jsonBody(body)
			if err != nil {
				return infra.ApplyResult{}, err
			}
			if _, err := c.rules.New(ctx, rs.ID, params, rule, option.WithResponseBodyInto(&env)); err != nil {
				return infra.ApplyResult{}, err
			}
		}
		got, err := parseRuleset(op, env.Result.ID, env.Result.Rules)
		if err != nil {
			return infra.ApplyResult{}, err
		}
		if r, ok := got.byRef(ref); ok {
			return result(r.ID, r.infra()), nil
		}
		return infra.ApplyResult{}, fmt.Errorf("the API accepted the rule but its answer does not contain it")
	}
	return c.write(ctx, op, do, landed)
}

// findRule locates a rule by id in the custom firewall phase, then in the
// rate-limit phase (change_firewall_rule covers both).
func (c *Client) findRule(ctx context.Context, z apiZone, id string) (rulesets.Phase, phaseRuleset, apiRule, error) {
	if id == "" {
		return "", phaseRuleset{}, apiRule{}, fmt.Errorf("the change names no rule id")
	}
	for _, phase := range []rulesets.Phase{phaseFirewall, phaseRateLimit} {
		rs, err := c.readPhase(ctx, z, phase)
		if err != nil {
			return "", phaseRuleset{}, apiRule{}, err
		}
		if r, ok := rs.byID(id); ok {
			return phase, rs, r, nil
		}
	}
	return "", phaseRuleset{}, apiRule{}, fmt.Errorf("rule %s does not exist in %s", id, z.Name)
}

// editRule updates, enables or disables a rule. The PATCH carries the rule
// as it is now with the change's fields laid over it, so fields driftdeck
// does not model (action_parameters, logging) survive.
func (c *Client) editRule(ctx context.Context, z apiZone, ch infra.Change) (infra.ApplyResult, error) {
	phase, rs, current, err := c.findRule(ctx, z, ch.Target)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	var fields map[string]any
	if err := json.Unmarshal(current.Raw, &fields); err != nil {
		return infra.ApplyResult{}, fmt.Errorf("read the current rule: %w", err)
	}
	for _, readOnly := range []string{"id", "version", "last_updated"} {
		delete(fields, readOnly)
	}
	switch ch.Kind {
	case infra.FirewallEnable:
		fields["enabled"] = true
	case infra.FirewallDisable:
		fields["enabled"] = false
	default:
		want, err := decodeAfter[infra.Rule](ch)
		if err != nil {
			return infra.ApplyResult{}, err
		}
		if want.Expression == "" || want.Action == "" {
			return infra.ApplyResult{}, fmt.Errorf("the updated rule needs an expression and an action")
		}
		fields["description"], fields["expression"], fields["action"], fields["enabled"] = want.Description, want.Expression, want.Action, want.Enabled
		if want.RateLimit != nil && phase == phaseRateLimit {
			rl, _ := fields["ratelimit"].(map[string]any)
			if rl == nil {
				rl = map[string]any{"characteristics": defaultCharacteristics()}
			}
			if len(want.RateLimit.Characteristics) > 0 {
				rl["characteristics"] = want.RateLimit.Characteristics
			}
			rl["period"], rl["requests_per_period"], rl["mitigation_timeout"] = want.RateLimit.Period, want.RateLimit.RequestsPerPeriod, want.RateLimit.MitigationTimeout
			fields["ratelimit"] = rl
		}
	}
	body, err := jsonBody(fields)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	var params rulesets.RuleEditParams
	params.ZoneID.Value = z.ID
	params.Body = rulesets.RuleEditParamsBody{}
	op := fmt.Sprintf("edit rule %s of %s", ch.Target, z.Name)
	return c.write(ctx, op, func(ctx context.Context) (infra.ApplyResult, error) {
		var env rulesetEnvelope
		if _, err := c.rules.Edit(ctx, rs.ID, ch.Target, params, body, option.WithResponseBodyInto(&env)); err != nil {
			return infra.ApplyResult{}, err
		}
		got, err := parseRuleset(op, env.Result.ID, env.Result.Rules)
		if err != nil {
			return infra.ApplyResult{}, err
		}
		if r, ok := got.byID(ch.Target); ok {
			return result(r.ID, r.infra()), nil
		}
		return infra.ApplyResult{Target: ch.Target}, nil
	}, nil)
}

func (c *Client) deleteRule(ctx context.Context, z apiZone, ch infra.Change) (infra.ApplyResult, error) {
	phase, rs, _, err := c.findRule(ctx, z, ch.Target)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	var params rulesets.RuleDeleteParams
	params.ZoneID.Value = z.ID
	do := func(ctx context.Context) (infra.ApplyResult, error) {
		var env struct{}
		_, err := c.rules.Delete(ctx, rs.ID, ch.Target, params, option.WithResponseBodyInto(&env))
		return infra.ApplyResult{Target: ch.Target}, err
	}
	landed := func(ctx context.Context) (infra.ApplyResult, bool, error) {
		now, err := c.readPhase(ctx, z, phase)
		if err != nil {
			return infra.ApplyResult{}, false, err
		}
		_, still := now.byID(ch.Target)
		return infra.ApplyResult{Target: ch.Target}, !still, nil
	}
	res, err := c.write(ctx, fmt.Sprintf("delete rule %s of %s", ch.Target, z.Name), do, landed)
	if isStatus(err, http.StatusNotFound) {
		return infra.ApplyResult{}, fmt.Errorf("rule %s no longer exists in %s: %w", ch.Target, z.Name, err)
	}
	return res, err
}

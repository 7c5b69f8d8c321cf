package cfsim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	phaseFirewall  = "http_request_firewall_custom"
	phaseRateLimit = "http_ratelimit"
)

var phaseActions = map[string][]string{
	phaseFirewall:  {"block", "challenge", "js_challenge", "managed_challenge", "log", "skip"},
	phaseRateLimit: {"block", "challenge", "js_challenge", "managed_challenge", "log"},
}

var (
	ratelimitPeriods   = []int{10, 60, 120, 300, 600, 3600}
	mitigationTimeouts = []int{0, 10, 60, 120, 300, 600, 3600, 86400}
)

// ruleInput is a rule as a request gives it.
type ruleInput struct {
	ID               *string         `json:"id"`
	Ref              *string         `json:"ref"`
	Description      *string         `json:"description"`
	Expression       *string         `json:"expression"`
	Action           *string         `json:"action"`
	ActionParameters json.RawMessage `json:"action_parameters"`
	Enabled          *bool           `json:"enabled"`
	RateLimit        *RateLimitSpec  `json:"ratelimit"`
	Position         json.RawMessage `json:"position"`
	Logging          json.RawMessage `json:"logging"`
}

func ruleInputFromSpec(r RuleSpec) ruleInput {
	in := ruleInput{Description: &r.Description, Expression: &r.Expression, Action: &r.Action, Enabled: r.Enabled, RateLimit: r.RateLimit}
	if r.Ref != "" {
		in.Ref = &r.Ref
	}
	return in
}

// buildRule merges in over base (nil for a new rule) and validates it for
// phase.
func buildRule(phase string, base *rule, in ruleInput, now time.Time) (*rule, *apiError) {
	r := &rule{Enabled: true, Version: 1}
	if base != nil {
		cp := *base
		r = &cp
		r.Version++
	}
	if in.Ref != nil {
		r.Ref = *in.Ref
	}
	if in.Description != nil {
		r.Description = *in.Description
	}
	if in.Expression != nil {
		r.Expression = *in.Expression
	}
	if in.Action != nil {
		r.Action = *in.Action
	}
	if len(in.ActionParameters) > 0 && string(in.ActionParameters) != "null" {
		r.ActionParameters = in.ActionParameters
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if in.RateLimit != nil {
		rl := *in.RateLimit
		r.RateLimit = &rl
	}
	r.LastUpdated = now
	if err := validateRule(phase, r); err != nil {
		return nil, err
	}
	return r, nil
}

func validateRule(phase string, r *rule) *apiError {
	bad := func(format string, args ...any) *apiError {
		return errf(http.StatusBadRequest, codeRulesetInvalid, format, args...)
	}
	actions := phaseActions[phase]
	if !slices.Contains(actions, r.Action) {
		return bad("Action %q is not allowed in phase %s; use one of %s.", r.Action, phase, strings.Join(actions, ", "))
	}
	if err := checkExpression(r.Expression); err != "" {
		return bad("Rule expression is invalid: %s.", err)
	}
	if len(r.Description) > 500 {
		return bad("Rule description is longer than 500 characters.")
	}
	if phase != phaseRateLimit {
		if r.RateLimit != nil {
			return bad("Only rules in phase http_ratelimit may have a ratelimit.")
		}
		return nil
	}
	rl := r.RateLimit
	switch {
	case rl == nil:
		return bad("Rules in phase http_ratelimit need a ratelimit.")
	case !slices.Contains(rl.Characteristics, "cf.colo.id"):
		return bad("Rate limiting characteristics must include cf.colo.id.")
	case !slices.Contains(ratelimitPeriods, rl.Period):
		return bad("Rate limiting period %d is not allowed; use one of 10, 60, 120, 300, 600, 3600.", rl.Period)
	case rl.RequestsPerPeriod < 1:
		return bad("Rate limiting requests_per_period must be at least 1.")
	case !slices.Contains(mitigationTimeouts, rl.MitigationTimeout):
		return bad("Rate limiting mitigation_timeout %d is not allowed; use one of 0, 10, 60, 120, 300, 600, 3600, 86400.", rl.MitigationTimeout)
	}
	return nil
}

// checkExpression is a light syntax check of a wirefilter expression:
// present, not too long, balanced parentheses and quotes.
func checkExpression(e string) string {
	if strings.TrimSpace(e) == "" {
		return "the expression is empty"
	}
	if len(e) > 4096 {
		return "the expression is longer than 4096 characters"
	}
	depth, inQuote := 0, false
	for i := 0; i < len(e); i++ {
		switch c := e[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return "a closing parenthesis has no opening one"
			}
		}
	}
	if inQuote {
		return "a string is not closed"
	}
	if depth != 0 {
		return "a parenthesis is not closed"
	}
	return ""
}

// ruleJSON is a rule as the API returns it.
type ruleJSON struct {
	ID               string          `json:"id"`
	Ref              string          `json:"ref,omitempty"`
	Version          string          `json:"version"`
	Action           string          `json:"action"`
	ActionParameters json.RawMessage `json:"action_parameters,omitempty"`
	Expression       string          `json:"expression"`
	Description      string          `json:"description"`
	Enabled          bool            `json:"enabled"`
	LastUpdated      string          `json:"last_updated"`
	RateLimit        *RateLimitSpec  `json:"ratelimit,omitempty"`
}

type rulesetJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Kind        string `json:"kind"`
	Version     string `json:"version"`
	Phase       string `json:"phase"`
	LastUpdated string `json:"last_updated"`
	Rules       any    `json:"rules,omitempty"` // nil in lists, a slice otherwise
}

func ruleToJSON(r *rule) ruleJSON {
	return ruleJSON{ID: r.ID, Ref: r.Ref, Version: strconv.Itoa(r.Version), Action: r.Action, ActionParameters: r.ActionParameters,
		Expression: r.Expression, Description: r.Description, Enabled: r.Enabled, LastUpdated: ts(r.LastUpdated), RateLimit: r.RateLimit}
}

func rulesetToJSON(rs *ruleset, withRules bool) rulesetJSON {
	out := rulesetJSON{ID: rs.ID, Name: rs.Name, Description: rs.Description, Kind: rs.Kind, Version: strconv.Itoa(rs.Version),
		Phase: rs.Phase, LastUpdated: ts(rs.LastUpdated)}
	if withRules {
		rules := make([]ruleJSON, 0, len(rs.Rules))
		for _, r := range rs.Rules {
			rules = append(rules, ruleToJSON(r))
		}
		out.Rules = rules
	}
	return out
}

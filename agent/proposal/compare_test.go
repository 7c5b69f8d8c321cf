package proposal

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func TestClassifyAcrossKinds(t *testing.T) {
	done := &infra.Fetch{Complete: true}
	rule := infra.Rule{ID: "f1", Description: "block bad", Expression: "ip.src eq 198.51.100.7", Action: "block", Enabled: true}
	disabled := rule
	disabled.Enabled = false
	rl := infra.Rule{ID: "l1", Expression: "true", Action: "block", Enabled: true, RateLimit: &infra.RateLimit{Period: 60, RequestsPerPeriod: 100, MitigationTimeout: 600, Characteristics: []string{"ip.src", "cf.colo.id"}}}
	snap := &infra.Snapshot{
		ZonesFetch:    infra.Fetch{Complete: true},
		WorkersFetch:  done,
		WorkerScripts: []infra.WorkerScript{{Name: "edge", Etag: "v2"}},
		Zones: []infra.Zone{{Name: "example.com", RecordsFetch: done, SettingsFetch: done, FirewallFetch: done, RateLimitFetch: done, RoutesFetch: done,
			Settings:       map[string]json.RawMessage{"security_level": json.RawMessage(`"high"`), "browser_cache_ttl": json.RawMessage(`14400`)},
			FirewallRules:  []infra.Rule{rule},
			RateLimitRules: []infra.Rule{rl},
			Routes:         []infra.WorkerRoute{{Pattern: "www.example.com/*", Script: "edge"}},
		}},
	}
	setting := func(v string) json.RawMessage {
		return mustJSON(infra.SettingValue{ID: "security_level", Value: json.RawMessage(v)})
	}
	cases := []struct {
		name   string
		change infra.Change
		want   Liveness
		detail string
	}{
		{"setting still before", infra.Change{Kind: infra.SettingEdit, Zone: "example.com", Target: "security_level", Before: setting(`"high"`), After: setting(`"under_attack"`)}, LiveBefore, ""},
		{"setting already after", infra.Change{Kind: infra.SettingEdit, Zone: "example.com", Target: "security_level", Before: setting(`"medium"`), After: setting(`"high"`)}, LiveAfter, ""},
		{"setting changed elsewhere", infra.Change{Kind: infra.SettingEdit, Zone: "example.com", Target: "security_level", Before: setting(`"low"`), After: setting(`"medium"`)}, LiveUnknown, `setting security_level is now "high", was "low"`},
		{"number spelling ignored", infra.Change{Kind: infra.SettingEdit, Zone: "example.com", Target: "browser_cache_ttl",
			Before: mustJSON(infra.SettingValue{ID: "browser_cache_ttl", Value: json.RawMessage(`1.44e4`)}), After: mustJSON(infra.SettingValue{ID: "browser_cache_ttl", Value: json.RawMessage(`60`)})}, LiveBefore, ""},
		{"disable pending", infra.Change{Kind: infra.FirewallDisable, Zone: "example.com", Target: "f1", Before: mustJSON(rule), After: mustJSON(disabled)}, LiveBefore, ""},
		{"rule edited elsewhere", infra.Change{Kind: infra.FirewallDisable, Zone: "example.com", Target: "f1", Before: mustJSON(infra.Rule{ID: "f1", Description: "block bad", Expression: "ip.src eq 198.51.100.7", Action: "log", Enabled: true})}, LiveUnknown, "action is now block, was log"},
		{"rule deleted", infra.Change{Kind: infra.FirewallDelete, Zone: "example.com", Target: "gone", Before: mustJSON(rule)}, LiveAfter, ""},
		{"rate limit exists, characteristics order ignored", infra.Change{Kind: infra.RateLimitAdd, Zone: "example.com", Target: "new", After: mustJSON(infra.Rule{Expression: "true", Action: "block", Enabled: true,
			RateLimit: &infra.RateLimit{Period: 60, RequestsPerPeriod: 100, MitigationTimeout: 600, Characteristics: []string{"cf.colo.id", "ip.src"}}})}, LiveAfter, ""},
		{"worker at expected version", infra.Change{Kind: infra.WorkerDeploy, Target: "edge", Before: mustJSON(infra.WorkerDeployment{ScriptName: "edge", Etag: "v2"})}, LiveBefore, ""},
		{"worker redeployed elsewhere", infra.Change{Kind: infra.WorkerDeploy, Target: "edge", Before: mustJSON(infra.WorkerDeployment{ScriptName: "edge", Etag: "v1"})}, LiveAfter, "worker edge is at version v2, was v1"},
		{"new worker absent", infra.Change{Kind: infra.WorkerDeploy, Target: "fresh", After: mustJSON(infra.WorkerDeployment{ScriptName: "fresh", Source: "x"})}, LiveBefore, ""},
	}
	for _, tc := range cases {
		got, detail, err := Classify(snap, tc.change)
		if err != nil || got != tc.want || !strings.Contains(detail, tc.detail) {
			t.Errorf("%s: got %v %q %v, want %v %q", tc.name, got, detail, err, tc.want, tc.detail)
		}
	}

	snap.Zones[0].RecordsFetch = &infra.Fetch{Complete: false, Error: "timeout"}
	if _, _, err := Classify(snap, infra.Change{Kind: infra.DNSDelete, Zone: "example.com", Target: "r1"}); err == nil || !strings.Contains(err.Error(), "not read completely (timeout)") {
		t.Errorf("incomplete fetch must not pass as deleted: %v", err)
	}
	if _, _, err := Classify(snap, infra.Change{Kind: infra.DNSDelete, Zone: "example.org", Target: "r1"}); err == nil {
		t.Error("a missing zone passed")
	}
}

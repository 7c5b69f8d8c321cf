package policy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// cfToken has the shape of a Cloudflare API token; it is not a real one.
const cfToken = "Zx9_kQ2-vL7mN4pR8sT1uW3yA5bC6dE0fG2hJ4kL"

func newEngine(t testing.TB, userDir string) *Engine {
	t.Helper()
	e, err := New(context.Background(), userDir)
	if err != nil {
		t.Fatalf("new policy engine: %v", err)
	}
	return e
}

func raw(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func change(kind infra.ChangeKind, zone, target string, before, after any) infra.Change {
	return infra.Change{Kind: kind, Zone: zone, Target: target, Before: raw(before), After: raw(after)}
}

func rec(typ, name, content string) infra.DNSRecord {
	return infra.DNSRecord{Type: typ, Name: name, Content: content, TTL: 1}
}

func setting(id string, value any) infra.SettingValue {
	return infra.SettingValue{ID: id, Value: raw(value)}
}

func rule(action, expr string, enabled bool) infra.Rule {
	return infra.Rule{ID: "rule-1", Description: "protect login", Expression: expr, Action: action, Enabled: enabled}
}

// input is a proposal on the incident scenario's zones: example.com is
// production, example.net staging.
func input(effect string, changes ...infra.Change) Input {
	return Input{
		Phase:   PhasePropose,
		Effect:  effect,
		Tool:    "test",
		Changes: changes,
		Zones: map[string]ZoneInfo{
			"example.com": {Environment: "production"},
			"example.net": {Environment: "staging"},
			"example.org": {Environment: "staging"},
		},
		Actor: "alice",
	}
}

func withConfig(in Input, c Config) Input {
	in.Config = c
	return in
}

// expect is what a case wants: a decision, the approvals (when not denied)
// and a fragment one of the reasons must contain.
type expect struct {
	decision  string
	approvals int
	reason    string
}

func check(t *testing.T, e *Engine, in Input, want expect) {
	t.Helper()
	got, err := e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	if got.Decision != want.decision {
		t.Fatalf("decision = %s %v, want %s", got.Decision, got.Reasons, want.decision)
	}
	if want.decision != Deny && got.ApprovalsRequired != want.approvals {
		t.Fatalf("approvals = %d %v, want %d", got.ApprovalsRequired, got.Reasons, want.approvals)
	}
	if want.decision == Deny && got.ApprovalsRequired != 0 {
		t.Fatalf("a denied proposal asks for %d approvals", got.ApprovalsRequired)
	}
	if want.reason != "" && !containsReason(got.Reasons, want.reason) {
		t.Fatalf("reasons %q lack %q", got.Reasons, want.reason)
	}
	if want.decision == Allow && len(got.Reasons) != 0 {
		t.Fatalf("allow carries reasons %q", got.Reasons)
	}
}

func containsReason(reasons []string, fragment string) bool {
	for _, r := range reasons {
		if strings.Contains(r, fragment) {
			return true
		}
	}
	return false
}

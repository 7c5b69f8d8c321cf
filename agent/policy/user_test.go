package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func TestUserPoliciesAddToDefaults(t *testing.T) {
	e := newEngine(t, "testdata/user")
	frozen := withConfig(input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("TXT", "t.example.net", "x"))), Config{ProductionZones: []string{"example.net"}})
	check(t, e, frozen, expect{Deny, 0, "change freeze: example.net"})

	api := input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("A", "api.example.net", "192.0.2.1")))
	check(t, e, api, expect{RequireApprovals, 3, "platform team"})

	// Defaults still apply alongside.
	check(t, e, input(EffectWrite, change(infra.SettingEdit, "example.net", "security_level", nil, setting("security_level", "off"))), expect{Deny, 0, "security_level"})

	for _, f := range e.Files() {
		if strings.HasSuffix(f, "_test.rego") {
			t.Errorf("test file %s was loaded as policy", f)
		}
	}
}

func writePolicy(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.rego"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUserPolicyErrorsNameFileAndLine(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"syntax error":  {"package driftdeck.policy\n\ndeny contains \"x\" if {\n\tinput.a ==\n}\n", "mine.rego:"},
		"wrong package": {"package driftdeck.defaults\n\ndeny contains \"x\" if true\n", "mine.rego:1: package driftdeck.defaults is not allowed"},
		"unsafe var":    {"package driftdeck.policy\n\n\ndeny contains x if input.a == 1\n", "mine.rego:4"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(context.Background(), writePolicy(t, tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestUserPolicyRuntimeErrorFailsClosed(t *testing.T) {
	dir := writePolicy(t, "package driftdeck.policy\n\ndeny contains \"boom\" if to_number(input.actor) > 1\n")
	e := newEngine(t, dir)
	d, err := e.Evaluate(context.Background(), input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("TXT", "t.example.net", "x"))))
	if err == nil {
		t.Fatal("a policy that errors evaluated without an error")
	}
	if d.Decision != Deny {
		t.Fatalf("decision %q alongside the error, want deny", d.Decision)
	}
}

func TestMissingPolicyDirectory(t *testing.T) {
	if _, err := New(context.Background(), filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("a missing policy directory was accepted")
	}
}

package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func TestSecretRules(t *testing.T) {
	e := newEngine(t, "")
	txt := func(content string) Input {
		return input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("TXT", "_debug.example.net", content)))
	}
	withComment := rec("A", "a.example.net", "192.0.2.1")
	withComment.Comment = "rotated key " + cfToken + " today"
	withTag := rec("A", "a.example.net", "192.0.2.1")
	withTag.Tags = []string{"owner:ops", "api_key=" + "s3cr3tvalue99"}
	worker := func(source string) Input {
		return input(EffectWrite, change(infra.WorkerDeploy, "example.net", "edge", nil, infra.WorkerDeployment{ScriptName: "edge", Source: source}))
	}
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----"
	cases := []struct {
		name string
		in   Input
		want expect
	}{
		{"Cloudflare token in TXT", txt(cfToken), expect{Deny, 0, "content looks like it contains a secret (Cloudflare API token)"}},
		{"token in a record comment", input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, withComment)), expect{Deny, 0, "comment looks like"}},
		{"credential in a tag", input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, withTag)), expect{Deny, 0, "tags looks like it contains a secret (credential assignment)"}},
		{"private key in TXT", txt(pem), expect{Deny, 0, "private key"}},
		{"AWS key in rule description", input(EffectWrite, change(infra.FirewallCreate, "example.net", "", nil, infra.Rule{Description: "creds AKIAIOSFODNN7EXAMPLE", Expression: "true", Action: "log"})), expect{Deny, 0, "AWS access key id"}},
		{"GitHub token in an expression", input(EffectWrite, change(infra.FirewallCreate, "example.net", "", nil, rule("log", `http.request.headers["x"][0] eq "ghp_abcdefghijklmnopqrstuvwxyz0123456789"`, true))), expect{Deny, 0, "GitHub token"}},
		{"api_key assignment in TXT", txt("api-key: 9f8e7d6c5b4a"), expect{Deny, 0, "credential assignment"}},
		{"SHA-1 hex in TXT is not a token", txt("a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"), expect{Allow, 1, ""}},
		{"site verification TXT", txt("google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"), expect{Allow, 1, ""}},
		{"token literal in Worker source", worker(`const t = "` + cfToken + `"; fetch("https://x.test/?" + t)`), expect{Deny, 0, "source looks like it contains a secret (Cloudflare API token)"}},
		{"password literal in Worker source", worker(`const password = "hunter2hunter2";`), expect{Deny, 0, "credential assignment"}},
		{"private key in Worker source", worker("const k = `" + pem + "`"), expect{Deny, 0, "private key"}},
		{"Worker reading its secret from env", worker(`export default { fetch(req, env) { const apiKey = env.API_KEY; return fetch(req) } }`), expect{Allow, 1, ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, e, tc.in, tc.want) })
	}

	// No reason ever repeats the secret itself.
	d, err := e.Evaluate(context.Background(), cases[0].in)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.Reasons {
		if strings.Contains(r, cfToken) {
			t.Fatalf("reason %q repeats the secret", r)
		}
	}
}

package cfsim

import (
	"strings"
	"testing"
)

func TestBuiltinIncidentParses(t *testing.T) {
	sc, err := BuiltinScenario("incident")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Zones) != 3 || len(sc.Tokens) != 3 || len(sc.Events) < 3 {
		t.Fatalf("incident has %d zones, %d tokens, %d events", len(sc.Zones), len(sc.Tokens), len(sc.Events))
	}
	if _, err := BuiltinScenario("nope"); err == nil || !strings.Contains(err.Error(), "incident") {
		t.Fatalf("unknown built-in should list the built-ins, got %v", err)
	}
}

func TestScenarioErrorsNameTheLine(t *testing.T) {
	base := `account: {id: 9a7806061c88ada191ed06f989cc3dac, name: Test}
tokens:
  - {name: t, value: v, scopes: [read]}
zones:
  - name: example.com
    records:
      - {type: A, name: "@", content: 192.0.2.1}
      - {type: A, name: www, content: 192.0.2.2, ttl: 30}
`
	cases := []struct {
		name, yaml, want string
	}{
		{"bad ttl", base, `bad.yaml:8: zone "example.com": record 2: invalid TTL 30`},
		{"unknown field", strings.Replace(base, "name: Test}", "name: Test, colour: blue}", 1), `bad.yaml:1: unknown field "colour" in account`},
		{"wrong type", strings.Replace(base, "ttl: 30", "ttl: soon", 1), `bad.yaml:8: value "soon" is a str where a number is expected`},
		{"syntax", base + "  - [unclosed\n", `bad.yaml:8: did not find expected`},
		{"setting value", base[:len(base)-len("      - {type: A, name: www, content: 192.0.2.2, ttl: 30}\n")] + "    settings:\n      ssl: sometimes\n", `bad.yaml:9: zone "example.com": invalid value for zone setting ssl`},
		{"cname conflict", strings.Replace(base, "type: A, name: www, content: 192.0.2.2, ttl: 30", "type: CNAME, name: \"@\", content: other.example.net", 1), `bad.yaml:8: zone "example.com": record 2: an A, AAAA, or CNAME record`},
		{"event", base[:len(base)-len("      - {type: A, name: www, content: 192.0.2.2, ttl: 30}\n")] + "events:\n  - {at: soon, type: traffic}\n", `bad.yaml:9: event 1: at "soon"`},
		{"token zone", strings.Replace(base, "scopes: [read]}", "scopes: [read], zones: [example.org]}", 1), `bad.yaml:3: token "t": zone "example.org" is not in the scenario`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario("bad.yaml", []byte(tc.yaml))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant prefix %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("the error should be one line: %q", err)
			}
		})
	}
}

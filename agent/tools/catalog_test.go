package tools

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

var readTools = []string{"list_zones", "list_dns_records", "get_zone_settings", "get_firewall_rules", "get_traffic",
	"get_firewall_events", "get_drift", "get_anomalies", "get_recent_changes"}
var writeTools = []string{"change_dns_record", "set_zone_setting", "change_firewall_rule", "add_rate_limit_rule",
	"purge_cache", "deploy_worker", "revert_drift"}

func TestCatalogNamesEffectsAndSchemas(t *testing.T) {
	c := newCatalog(t, Deps{Infra: newFakeInfra()})
	if got, want := c.Names(), append(slices.Clone(readTools), writeTools...); !slices.Equal(got, want) {
		t.Fatalf("names = %v\nwant %v", got, want)
	}
	for _, name := range c.Names() {
		tool, _ := c.Lookup(name)
		if wantWrite := slices.Contains(writeTools, name); tool.Writes() != wantWrite {
			t.Errorf("%s: Writes() = %t", name, tool.Writes())
		}
		if len(tool.Description) < 40 {
			t.Errorf("%s: description too thin for the model", name)
		}
		checkSchema(t, name, name, tool.Parameters)
		// The declared schema is also a valid schema to an independent implementation.
		var s openapi3.Schema
		if err := json.Unmarshal(tool.Declaration().Parameters, &s); err != nil {
			t.Errorf("%s: kin-openapi cannot read the schema: %v", name, err)
		} else if err := s.Validate(context.Background(), openapi3.IsOpenAPI31OrLater()); err != nil {
			t.Errorf("%s: kin-openapi rejects the schema: %v", name, err)
		}
	}
	dns, _ := c.Lookup("change_dns_record")
	for action, want := range map[string]Effect{"create": EffectWrite, "update": EffectWrite, "delete": EffectDestructive} {
		if got := dns.EffectOf(json.RawMessage(`{"zone":"example.com","action":"` + action + `"}`)); got != want {
			t.Errorf("change_dns_record %s effect = %s, want %s", action, got, want)
		}
	}
	fw, _ := c.Lookup("change_firewall_rule")
	if fw.EffectOf(json.RawMessage(`{"action":"delete"}`)) != EffectDestructive || fw.EffectOf(json.RawMessage(`{"action":"disable"}`)) != EffectWrite {
		t.Error("change_firewall_rule effects wrong")
	}
}

// checkSchema requires objects closed and strings bounded, recursively.
func checkSchema(t *testing.T, tool, path string, s *Schema) {
	t.Helper()
	for _, typ := range s.Type {
		switch typ {
		case "object":
			if s.AdditionalProperties == nil || *s.AdditionalProperties {
				if len(s.Type) == 1 {
					t.Errorf("%s: %s allows additional properties", tool, path)
				}
			}
		case "string":
			if s.MaxLength == nil && len(s.Enum) == 0 && len(s.Type) == 1 {
				t.Errorf("%s: %s has no maxLength", tool, path)
			}
		}
	}
	for k, p := range s.Properties {
		checkSchema(t, tool, path+"."+k, p)
	}
	if s.Items != nil {
		checkSchema(t, tool, path+"[]", s.Items)
	}
}

func TestArgumentErrorsAreReadable(t *testing.T) {
	c := newCatalog(t, Deps{Infra: newFakeInfra(), Proposer: &recordingProposer{}})
	cases := []struct{ tool, args, want string }{
		{"change_dns_record", `{"zone":"example.com","action":"update","record_id":"r1","record":{"ttl":"300"}}`, "argument `record.ttl`: must be an integer, got string \"300\""},
		{"change_dns_record", `{"zone":"example.com","action":"update","record_id":"r1","record":{"ttl":30}}`, "argument `record.ttl`: must be 1 (automatic) or 60-86400, got 30"},
		{"change_dns_record", `{"zone":"example.com","action":"remove"}`, "argument `action`: must be one of create, update, delete; got string \"remove\""},
		{"change_dns_record", `{"action":"delete","record_id":"r1","force":true}`, "argument `zone` is required"},
		{"change_dns_record", `{"zone":"example.com","action":"delete","record_id":"r1","force":true}`, "unknown argument `force` (allowed: action, rationale, record, record_id, zone)"},
		{"change_dns_record", `{"zone":"example.com","action":"create","record":{"type":"A","name":"api","content":"not-an-ip"}}`, "an A record needs an IPv4 address"},
		{"get_traffic", `{"zone":"example.com","minutes":5000}`, "argument `minutes`: must be between 1 and 1440, got 5000"},
		{"list_dns_records", `{"zone":"example.com","name":"` + strings.Repeat("a", 300) + `"}`, "argument `name`: must be at most 253 characters (got 300)"},
		{"list_dns_records", `not json`, "are not valid JSON"},
	}
	for _, tc := range cases {
		res := call(t, c, tc.tool, tc.args)
		if !res.IsError || !strings.Contains(res.Text, tc.want) {
			t.Errorf("%s %s:\n got %q\nwant it to contain %q", tc.tool, clip(tc.args, 60), res.Text, tc.want)
		}
	}
	res := call(t, c, "drop_zone", `{}`)
	if !res.IsError || !strings.Contains(res.Text, "unknown tool") || !strings.Contains(res.Text, "list_dns_records") {
		t.Errorf("unknown tool: %q", res.Text)
	}
	// Arguments JSON-encoded as a string (some models do that) still work.
	if res := call(t, c, "list_zones", `"{}"`); res.IsError {
		t.Errorf("string-encoded arguments: %q", res.Text)
	}
}

func TestReadOnlyModeOffersAndRunsNoWriteTools(t *testing.T) {
	prop := &recordingProposer{}
	c := newCatalog(t, Deps{Infra: newFakeInfra(), Proposer: prop})
	var offered []string
	for _, tl := range c.Tools(true) {
		offered = append(offered, tl.Name)
	}
	if !slices.Equal(offered, readTools) {
		t.Errorf("read-only offer = %v", offered)
	}
	if len(c.Tools(false)) != len(readTools)+len(writeTools) {
		t.Errorf("full offer has %d tools", len(c.Tools(false)))
	}

	ro := newCatalog(t, Deps{Infra: newFakeInfra(), Proposer: prop, ReadOnly: true})
	if len(ro.Tools(false)) != len(readTools) {
		t.Error("a read-only catalog offers write tools")
	}
	res := call(t, ro, "change_dns_record", `{"zone":"example.com","action":"delete","record_id":"r1"}`)
	if !res.IsError || !strings.Contains(res.Text, "read-only") || len(prop.drafts) != 0 {
		t.Errorf("write in read-only mode: %q, drafts=%d", res.Text, len(prop.drafts))
	}
}

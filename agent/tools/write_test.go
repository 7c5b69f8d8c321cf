package tools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

func TestWriteToolsCreateProposalsAndNeverApply(t *testing.T) {
	ctx := context.Background()
	inf := newFakeInfra()
	svc := realService(t, inf)
	c := newCatalog(t, Deps{Infra: inf, Proposer: svc, Request: func(context.Context) string { return "move www" }})

	res := call(t, c, "change_dns_record", `{"zone":"example.com","action":"update","record_id":"r1","record":{"content":"192.0.2.2"},"rationale":"origin moved"}`)
	if res.IsError || res.ProposalID != "P-1" || res.Effect != EffectWrite || !strings.Contains(res.Text, "proposal P-1 created") || !strings.Contains(res.Text, "do not retry") {
		t.Fatalf("update result: %+v", res)
	}
	p, err := svc.Get(ctx, "P-1")
	if err != nil {
		t.Fatal(err)
	}
	var before, after infra.DNSRecord
	_ = json.Unmarshal(p.Changes[0].Before, &before)
	_ = json.Unmarshal(p.Changes[0].After, &after)
	if p.Changes[0].Kind != infra.DNSUpdate || before.Content != "192.0.2.1" || after.Content != "192.0.2.2" || after.TTL != 300 || !after.Proxied {
		t.Errorf("change = %s before=%+v after=%+v", p.Changes[0].Kind, before, after)
	}
	if p.Rationale != "origin moved" || p.Status != proposal.StatusPending || p.Tool != "change_dns_record" {
		t.Errorf("card = %+v", p)
	}

	res = call(t, c, "change_dns_record", `{"zone":"example.com","action":"delete","record_id":"r2"}`)
	if res.Effect != EffectDestructive || !strings.Contains(res.Text, "risk high, effect destructive, policy: require approvals, needs 2 approvals") {
		t.Errorf("delete result: %+v", res)
	}

	for _, tc := range []struct{ tool, args string }{
		{"set_zone_setting", `{"zone":"example.com","setting":"security_level","value":"under_attack"}`},
		{"change_firewall_rule", `{"zone":"example.com","action":"disable","rule_id":"f1"}`},
		{"change_firewall_rule", `{"zone":"example.com","action":"create","rule":{"expression":"http.request.uri.path eq \"/wp-login.php\"","action":"managed_challenge"}}`},
		{"add_rate_limit_rule", `{"zone":"example.com","rule":{"expression":"http.request.uri.path eq \"/login\"","requests_per_period":20,"period":60,"mitigation_timeout":600,"action":"block"}}`},
		{"purge_cache", `{"zone":"example.com","urls":["https://www.example.com/app.js"]}`},
		{"deploy_worker", `{"script_name":"maintenance","source":"export default {fetch(){return new Response('down')}}","route_pattern":"www.example.com/*","zone":"example.com"}`},
	} {
		if res := call(t, c, tc.tool, tc.args); res.IsError || res.ProposalID == "" {
			t.Errorf("%s: %+v", tc.tool, res)
		}
	}
	if inf.applies != 0 {
		t.Fatalf("write tools called Apply %d times", inf.applies)
	}
	cards, _ := svc.List(ctx, proposal.ListFilter{})
	if len(cards) != 8 {
		t.Errorf("%d cards, want 8", len(cards))
	}
}

func TestWriteToolsRefuseWithoutAValidTarget(t *testing.T) {
	inf := newFakeInfra()
	prop := &recordingProposer{}
	c := newCatalog(t, Deps{Infra: inf, Proposer: prop})
	cases := []struct{ tool, args, want string }{
		{"change_dns_record", `{"zone":"example.com","action":"update","record_id":"nope","record":{"ttl":60}}`, `has no DNS record with id "nope"`},
		{"change_dns_record", `{"zone":"example.com","action":"update","record_id":"r1","record":{"content":"192.0.2.1"}}`, "already has these values"},
		{"change_dns_record", `{"zone":"example.com","action":"delete"}`, "`record_id` is required"},
		{"change_dns_record", `{"zone":"example.com","action":"create","record":{"type":"TXT","name":"x","content":"hi","proxied":true}}`, "only A, AAAA and CNAME records can be proxied"},
		{"set_zone_setting", `{"zone":"example.com","setting":"browser_cache_ttl","value":"long"}`, "takes a number"},
		{"set_zone_setting", `{"zone":"example.com","setting":"security_level","value":"medium"}`, "already"},
		{"set_zone_setting", `{"zone":"example.com","setting":"made_up","value":"on"}`, `has no setting "made_up"`},
		{"change_firewall_rule", `{"zone":"example.com","action":"enable","rule_id":"f1"}`, "nothing to propose"},
		{"purge_cache", `{"zone":"example.com","everything":true,"tags":["a"]}`, "exactly one of"},
		{"purge_cache", `{"zone":"example.com","urls":["https://evil.example.net/x"]}`, "not in zone example.com"},
		{"deploy_worker", `{"script_name":"w","source":"x","route_pattern":"www.example.net/*","zone":"example.com"}`, "not in zone"},
	}
	for _, tc := range cases {
		res := call(t, c, tc.tool, tc.args)
		if !res.IsError || !strings.Contains(res.Text, tc.want) {
			t.Errorf("%s %s:\n got %q\nwant %q", tc.tool, tc.args, res.Text, tc.want)
		}
	}
	inf.snap.Zones[0].RecordsFetch = &infra.Fetch{Complete: false, Error: "page 3: 429"}
	res := call(t, c, "change_dns_record", `{"zone":"example.com","action":"delete","record_id":"r1"}`)
	if !res.IsError || !strings.Contains(res.Text, "could not be read completely") {
		t.Errorf("incomplete fetch: %q", res.Text)
	}
	if len(prop.drafts) != 0 {
		t.Errorf("%d proposals made from refused calls", len(prop.drafts))
	}
}

type fakeFindings struct{ drift []DriftFinding }

func (f *fakeFindings) Drift(ctx context.Context, zone string) ([]DriftFinding, error) {
	return f.drift, nil
}
func (f *fakeFindings) Anomalies(ctx context.Context, zone string) ([]AnomalyFinding, error) {
	return nil, nil
}

func TestRevertDriftBundlesRevertsAndChecksFreshness(t *testing.T) {
	inf := newFakeInfra()
	baseline := infra.DNSRecord{ID: "r1", Type: "A", Name: "www.example.com", Content: "192.0.2.100", TTL: 300, Proxied: true}
	live := inf.snap.Zones[0].Records[0]
	rogue := inf.snap.Zones[0].Records[1]
	findings := &fakeFindings{drift: []DriftFinding{
		{ID: "D-1", Zone: "example.com", Kind: "dns_record_changed", Severity: "critical", Summary: "www content changed",
			Revert: &infra.Change{Kind: infra.DNSUpdate, Zone: "example.com", Target: "r1", Before: encode(live), After: encode(baseline)}},
		{ID: "D-2", Zone: "example.com", Kind: "dns_record_added", Summary: "unexpected TXT",
			Revert: &infra.Change{Kind: infra.DNSDelete, Zone: "example.com", Target: "r2", Before: encode(rogue)}},
		{ID: "D-3", Zone: "example.com", Kind: "worker_changed", Summary: "worker changed"},
	}}
	prop := &recordingProposer{}
	c := newCatalog(t, Deps{Infra: inf, Proposer: prop, Findings: findings})

	res := call(t, c, "get_drift", `{}`)
	if !strings.Contains(res.Text, "D-1 | example.com | dns_record_changed | critical") || !strings.Contains(res.Text, "| no |") {
		t.Errorf("get_drift:\n%s", res.Text)
	}
	res = call(t, c, "revert_drift", `{"zone":"example.com"}`)
	if res.IsError || len(prop.drafts) != 1 {
		t.Fatalf("revert: %+v", res)
	}
	d := prop.drafts[0]
	if len(d.Changes) != 2 || d.Risk != proposal.RiskHigh || !strings.Contains(d.Rationale, "Not revertable automatically: D-3") {
		t.Errorf("draft = %+v", d)
	}
	if proposal.EffectOfChanges(d.Changes) != proposal.EffectDestructive {
		t.Error("a revert that deletes is not destructive")
	}
	if res := call(t, c, "revert_drift", `{"zone":"example.com","finding_ids":["D-9"]}`); !res.IsError || !strings.Contains(res.Text, "D-1, D-2, D-3") {
		t.Errorf("unknown finding: %q", res.Text)
	}
	inf.snap.Zones[0].Records[0].Content = "198.51.100.1" // changed again since the finding
	res = call(t, c, "revert_drift", `{"zone":"example.com","finding_ids":["D-1"]}`)
	if !res.IsError || !strings.Contains(res.Text, "D-1 is out of date") || !strings.Contains(res.Text, "content is now 198.51.100.1, was 192.0.2.1") {
		t.Errorf("stale finding: %q", res.Text)
	}
}

func TestPolicyDenialIsReportedToTheModel(t *testing.T) {
	inf := newFakeInfra()
	store, err := proposal.OpenStore(context.Background(), t.TempDir()+"/p.db")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, err := proposal.NewService(proposal.Config{Store: store, Live: inf, Policy: proposal.PolicyFunc(
		func(ctx context.Context, req proposal.PolicyRequest) (proposal.PolicyVerdict, error) {
			return proposal.PolicyVerdict{Decision: proposal.DecisionDeny, Reasons: []string{"cache purges of production need a change ticket"}}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	c := newCatalog(t, Deps{Infra: inf, Proposer: svc})
	res := call(t, c, "purge_cache", `{"zone":"example.com","everything":true}`)
	if res.ProposalID != "P-1" || !strings.Contains(res.Text, "rejected by policy: denied by policy: cache purges of production need a change ticket") ||
		!strings.Contains(res.Text, "will never execute") {
		t.Errorf("denied result: %+v", res)
	}
}

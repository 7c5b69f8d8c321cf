package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/agent/policy"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/internal/simtest"
	"github.com/driftdeck/driftdeck/providers/cloudflare"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

// TestApprovedRevertRestoresTheBaseline: an out-of-band change shows as
// drift, revert_drift makes a card, approvals execute it through the
// proposal path, and the zone matches its baseline again.
func TestApprovedRevertRestoresTheBaseline(t *testing.T) {
	ctx := context.Background()
	clock := cfsim.NewManualClock(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC))
	_, cf := simtest.Incident(t, cfsim.Options{Clock: clock})
	snap, err := cf.Snapshot(ctx, infra.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := drift.Capture(snap, nil, drift.Ignore{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cf, Options{StateDir: t.TempDir(), Baseline: base, User: "alice", Now: clock.Now,
		Policy: policy.Config{AllowedCIDRs: []string{"192.0.2.0/24", "203.0.113.0/24"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	// The incident's out-of-band changes: security_level and a disabled WAF rule.
	clock.Advance(2 * time.Minute)
	rep := liveDrift(t, cf, base)
	if len(rep.Findings) != 2 {
		t.Fatalf("want the incident's two changes, got %+v", rep.Findings)
	}

	res, err := a.Tools.Execute(ctx, llm.ToolCall{Name: "revert_drift", Arguments: json.RawMessage(`{"zone":"example.com"}`)})
	if err != nil || res.IsError || res.ProposalID == "" {
		t.Fatalf("revert_drift: %v %+v", err, res)
	}
	if rep := liveDrift(t, cf, base); len(rep.Findings) != 2 {
		t.Fatal("proposing a revert changed something")
	}
	p, err := a.Proposals.Get(ctx, res.ProposalID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 2 || p.Status != proposal.StatusPending {
		t.Fatalf("card = %s with %d changes: %+v", p.Status, len(p.Changes), p.Policy)
	}
	// As many distinct humans as the card needs.
	for i, who := range []string{"alice", "bob", "carol"}[:p.ApprovalsRequired] {
		if p, err = a.Proposals.Approve(ctx, p.ID, who, p.Hash); err != nil {
			t.Fatalf("approval %d by %s: %v", i+1, who, err)
		}
	}
	if p.Status != proposal.StatusApproved {
		t.Fatalf("after %d approvals: %s", p.ApprovalsRequired, p.Status)
	}
	if p, err = a.Proposals.Execute(ctx, p.ID, "alice"); err != nil || p.Status != proposal.StatusApplied {
		t.Fatalf("execute: %v %s %+v", err, p.Status, p.Result)
	}
	if rep := liveDrift(t, cf, base); rep.HasDrift() {
		t.Fatalf("drift remains after the revert: %+v", rep.Findings)
	}
	if res, _ := a.Journal.Verify(ctx); !res.OK {
		t.Fatalf("journal: %+v", res)
	}
	// The evidence report tells the card's whole story.
	report, err := a.Journal.Report(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || len(report.Proposals) != 1 {
		t.Fatalf("report: %v %+v", err, report)
	}
	r := report.Proposals[0]
	if r.Outcome != "applied" || len(r.Policy) != 2 || r.Policy[0].Decision == "" || len(r.Approvals) != p.ApprovalsRequired ||
		r.Execution == nil || r.Execution.Status != "applied" || r.Title == "" {
		t.Fatalf("report record = %+v (execution %+v)", r, r.Execution)
	}
}

func liveDrift(t *testing.T, cf *cloudflare.Client, base *drift.Baseline) drift.Report {
	t.Helper()
	snap, err := cf.Snapshot(context.Background(), infra.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return drift.Compare(base, snap, nil)
}

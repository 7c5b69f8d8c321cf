package proposal

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func TestLifecycleApproveExecuteAndJSONShape(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(1), nil)
	p := h.propose(t, dnsDraft())
	if p.ID != "P-1" || p.Status != StatusPending || p.ApprovalsRequired != 1 || p.CreatedBy != AgentActor {
		t.Fatalf("new card = %+v", p)
	}
	if !p.Review.Missing {
		t.Errorf("no reviewer configured, review should be missing: %+v", p.Review)
	}

	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "title", "rationale", "status", "effect", "risk", "changes", "policy", "review", "created_by", "created_at", "approvals", "hash", "expires_at"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if string(doc["approvals"]) != "[]" {
		t.Errorf("approvals = %s, want []", doc["approvals"])
	}
	var pol map[string]json.RawMessage
	_ = json.Unmarshal(doc["policy"], &pol)
	for _, k := range []string{"decision", "approvals_required", "reasons"} {
		if _, ok := pol[k]; !ok {
			t.Errorf("policy JSON lacks %q", k)
		}
	}
	var ch []map[string]json.RawMessage
	_ = json.Unmarshal(doc["changes"], &ch)
	for _, k := range []string{"kind", "zone", "target", "before", "after"} {
		if _, ok := ch[0][k]; !ok {
			t.Errorf("change JSON lacks %q", k)
		}
	}

	p, err = h.svc.Approve(ctx, p.ID, "alice", p.Hash)
	if err != nil || p.Status != StatusApproved || p.DecidedBy != "alice" {
		t.Fatalf("approve: %v %+v", err, p)
	}
	p, err = h.svc.Execute(ctx, p.ID, "alice")
	if err != nil || p.Status != StatusApplied || p.Result == nil || !p.Result.OK {
		t.Fatalf("execute: %v %+v", err, p)
	}
	snap, _ := h.live.Snapshot(ctx, infra.Scope{})
	if got := snap.Zones[0].Records[0].Content; got != "192.0.2.2" {
		t.Errorf("live content = %s, want 192.0.2.2", got)
	}
	want := []string{EventProposal, EventPolicy, EventReview, EventApproval, EventPolicy, EventExecutionStarted, EventExecutionResult}
	if got := h.journal.types("P-1"); !slices.Equal(got, want) {
		t.Errorf("journal = %v, want %v", got, want)
	}
	if p2 := h.propose(t, dnsDraft()); p2.ID != "P-2" {
		t.Errorf("second id = %s", p2.ID)
	}
}

func TestPolicyDenyAtCreationKeepsVisibleRejectedCard(t *testing.T) {
	ctx := context.Background()
	deny := PolicyFunc(func(ctx context.Context, req PolicyRequest) (PolicyVerdict, error) {
		return PolicyVerdict{Decision: DecisionDeny, Reasons: []string{"production DNS is frozen"}}, nil
	})
	h := newHarness(t, deny, nil)
	p := h.propose(t, dnsDraft())
	if p.Status != StatusRejected || p.DecidedBy != "policy" || !strings.Contains(p.Reason, "production DNS is frozen") {
		t.Fatalf("denied card = %+v", p)
	}
	if _, err := h.svc.Approve(ctx, p.ID, "alice", p.Hash); err == nil || !strings.Contains(err.Error(), "rejected by policy") {
		t.Errorf("approve of denied card: %v", err)
	}
	if _, err := h.svc.Execute(ctx, p.ID, "alice"); err == nil {
		t.Error("execute of denied card succeeded")
	}
	if h.live.applyCount() != 0 {
		t.Error("a denied card reached Apply")
	}
}

func TestPolicyErrorFailsClosed(t *testing.T) {
	broken := PolicyFunc(func(ctx context.Context, req PolicyRequest) (PolicyVerdict, error) {
		return PolicyVerdict{}, errors.New("rego compile error")
	})
	h := newHarness(t, broken, nil)
	if p := h.propose(t, dnsDraft()); p.Status != StatusRejected || !strings.Contains(p.Reason, "rego compile error") {
		t.Fatalf("card under broken policy = %+v", p)
	}
}

func TestDeletionIsDestructiveWhateverTheDraftSays(t *testing.T) {
	h := newHarness(t, requireN(1), nil)
	d := dnsDraft()
	d.Changes[0].Kind, d.Changes[0].After = infra.DNSDelete, nil
	d.Effect, d.Risk = EffectWrite, RiskLow
	p := h.propose(t, d)
	if p.Effect != EffectDestructive || p.Risk.Rank() < RiskHigh.Rank() {
		t.Errorf("delete card effect=%s risk=%s", p.Effect, p.Risk)
	}
}

func TestReviewerCanRaiseButNotLower(t *testing.T) {
	ctx := context.Background()
	lower := reviewerFunc(func(ctx context.Context, request string, p *Proposal) (Review, error) {
		return Review{Risk: RiskLow, ApprovalsRequired: 1, Concerns: []string{"looks fine"}}, nil
	})
	h := newHarness(t, requireN(2), func(c *Config) { c.Reviewer = lower })
	d := dnsDraft()
	d.Risk = RiskHigh
	p := h.propose(t, d)
	if p.Risk != RiskHigh || p.ApprovalsRequired != 2 || p.Review.Risk != RiskLow {
		t.Errorf("lowering reviewer: risk=%s approvals=%d review=%+v", p.Risk, p.ApprovalsRequired, p.Review)
	}

	raise := reviewerFunc(func(ctx context.Context, request string, p *Proposal) (Review, error) {
		if request != "move www please" {
			t.Errorf("reviewer got request %q", request)
		}
		return Review{Risk: RiskCritical, ApprovalsRequired: 3, Concerns: []string{"origin not verified"}}, nil
	})
	h = newHarness(t, requireN(1), func(c *Config) { c.Reviewer = raise })
	d = dnsDraft()
	d.Request = "move www please"
	p = h.propose(t, d)
	if p.Risk != RiskCritical || p.ApprovalsRequired != 3 || p.Review.Concerns[0] != "origin not verified" {
		t.Errorf("raising reviewer: risk=%s approvals=%d", p.Risk, p.ApprovalsRequired)
	}

	down := reviewerFunc(func(ctx context.Context, request string, p *Proposal) (Review, error) {
		return Review{}, errors.New("model not loaded")
	})
	h = newHarness(t, requireN(2), func(c *Config) { c.Reviewer = down })
	p = h.propose(t, dnsDraft())
	if !p.Review.Missing || !strings.Contains(p.Review.Reason, "model not loaded") || p.ApprovalsRequired != 2 || p.Risk != RiskMedium {
		t.Errorf("unavailable reviewer: %+v approvals=%d", p.Review, p.ApprovalsRequired)
	}
	_ = ctx
}

func TestDistinctHumanApprovers(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(2), nil)
	p := h.propose(t, dnsDraft())
	if _, err := h.svc.Approve(ctx, p.ID, AgentActor, p.Hash); err == nil {
		t.Fatal("the agent approved its own card")
	}
	p, err := h.svc.Approve(ctx, p.ID, "alice", p.Hash)
	if err != nil || p.Status != StatusPending {
		t.Fatalf("first approval: %v %s", err, p.Status)
	}
	if _, err := h.svc.Approve(ctx, p.ID, "alice", p.Hash); err == nil || !strings.Contains(err.Error(), "already approved") {
		t.Fatalf("same approver twice: %v", err)
	}
	if _, err := h.svc.Execute(ctx, p.ID, "alice"); err == nil || !strings.Contains(err.Error(), "has 1") {
		t.Fatalf("execute with 1 of 2 approvals: %v", err)
	}
	p, err = h.svc.Approve(ctx, p.ID, "bob", p.Hash)
	if err != nil || p.Status != StatusApproved || !slices.Equal(p.ValidApprovers(), []string{"alice", "bob"}) {
		t.Fatalf("second approver: %v %+v", err, p)
	}
}

func TestHashBindsApprovals(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(2), nil)
	p := h.propose(t, dnsDraft())
	if _, err := h.svc.Approve(ctx, p.ID, "alice", strings.Repeat("0", 64)); err == nil || !strings.Contains(err.Error(), "changed since you reviewed it") {
		t.Fatalf("approval of another hash: %v", err)
	}
	if _, err := h.svc.Approve(ctx, p.ID, "alice", p.Hash); err != nil {
		t.Fatal(err)
	}

	// A revision supersedes the card; alice's approval does not carry over.
	d := dnsDraft()
	d.Rationale = "old origin is failing; new origin verified"
	rev, err := h.svc.Revise(ctx, p.ID, "carol", d)
	if err != nil {
		t.Fatal(err)
	}
	if rev.Hash == p.Hash || len(rev.Approvals) != 0 || rev.Supersedes != p.ID {
		t.Fatalf("revision = %+v", rev)
	}
	old, _ := h.svc.Get(ctx, p.ID)
	if old.Status != StatusSuperseded || old.SupersededBy != rev.ID {
		t.Fatalf("old card = %+v", old)
	}
	if _, err := h.svc.Approve(ctx, p.ID, "bob", p.Hash); err == nil || !strings.Contains(err.Error(), "superseded by "+rev.ID) {
		t.Errorf("approving superseded card: %v", err)
	}
	if _, err := h.svc.Approve(ctx, rev.ID, "bob", p.Hash); err == nil {
		t.Error("old hash approved the revision")
	}

	// Content edited behind the service's back no longer matches its hash.
	if _, err := h.svc.Approve(ctx, rev.ID, "alice", rev.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.db.ExecContext(ctx, `UPDATE proposals SET doc = replace(doc, '192.0.2.2', '203.0.113.66') WHERE id = ?`, rev.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Approve(ctx, rev.ID, "bob", rev.Hash); err == nil || !strings.Contains(err.Error(), "does not match its hash") {
		t.Errorf("approval of tampered card: %v", err)
	}
}

func TestPendingCardsExpire(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(1), func(c *Config) { c.TTL = 30 * time.Minute })
	p := h.propose(t, dnsDraft())
	q := h.propose(t, dnsDraft())
	if _, err := h.svc.Approve(ctx, q.ID, "alice", q.Hash); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(29 * time.Minute)
	if got, _ := h.svc.ExpireDue(ctx); len(got) != 0 {
		t.Fatalf("expired too early: %v", got)
	}
	h.clock.Advance(time.Minute)
	got, err := h.svc.ExpireDue(ctx)
	if err != nil || len(got) != 1 || got[0].ID != p.ID || got[0].Status != StatusExpired {
		t.Fatalf("ExpireDue = %v, %v", got, err)
	}
	if _, err := h.svc.Approve(ctx, p.ID, "alice", p.Hash); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("approve after expiry: %v", err)
	}
	if _, err := h.svc.Execute(ctx, p.ID, "alice"); err == nil {
		t.Error("an expired card executed")
	}
	if q2, _ := h.svc.Get(ctx, q.ID); q2.Status != StatusApproved {
		t.Errorf("an approved card expired: %s", q2.Status)
	}
	if !slices.Contains(h.journal.types(p.ID), EventExpired) {
		t.Error("expiry not journaled")
	}
}

func TestApproveAfterDeadlineExpiresWithoutSweeper(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(1), nil)
	p := h.propose(t, dnsDraft())
	h.clock.Advance(2 * time.Hour)
	if _, err := h.svc.Approve(ctx, p.ID, "alice", p.Hash); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("late approval: %v", err)
	}
	if got, _ := h.svc.Get(ctx, p.ID); got.Status != StatusExpired {
		t.Errorf("status = %s", got.Status)
	}
}

func TestRejectReturnsReasonAndWaitWakes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := newHarness(t, requireN(1), func(c *Config) { c.PollInterval = time.Hour })
	p := h.propose(t, dnsDraft())
	done := make(chan *Proposal, 1)
	go func() {
		got, err := h.svc.Wait(ctx, p.ID)
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	if _, err := h.svc.Reject(ctx, p.ID, "bob", "use the staging origin first"); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got == nil || got.Status != StatusRejected || got.Reason != "use the staging origin first" || got.DecidedBy != "bob" {
		t.Fatalf("Wait returned %+v", got)
	}
	if _, err := h.svc.Approve(ctx, p.ID, "alice", p.Hash); err == nil || err.Error() != "P-1 was already rejected by bob at 03:00 UTC" {
		t.Errorf("late approval: %v", err)
	}
}

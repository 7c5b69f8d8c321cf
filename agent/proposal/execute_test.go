package proposal

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func approved(t *testing.T, h *harness, d Draft) *Proposal {
	t.Helper()
	p := h.propose(t, d)
	p, err := h.svc.Approve(context.Background(), p.ID, "alice", p.Hash)
	if err != nil || p.Status != StatusApproved {
		t.Fatalf("approve: %v", err)
	}
	return p
}

func TestStalePreconditionRefusesExecution(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(1), nil)
	p := approved(t, h, dnsDraft())
	h.live.setRecordContent("r1", "192.0.2.9") // someone changed it in the dashboard
	p, err := h.svc.Execute(ctx, p.ID, "alice")
	want := "state changed since proposal: record www.example.com (A) content is now 192.0.2.9, was 192.0.2.1"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("execute on stale state: %v", err)
	}
	if p.Status != StatusFailed || h.live.applyCount() != 0 {
		t.Fatalf("status=%s applies=%d", p.Status, h.live.applyCount())
	}
	if _, err := h.svc.Execute(ctx, p.ID, "alice"); err == nil {
		t.Error("a failed card executed on a second try")
	}
}

func TestPreconditionComparesSemantically(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(1), nil)
	d := dnsDraft()
	// Same record as live, spelled differently: upper case, trailing dot, no id.
	d.Changes[0].Before = mustJSON(infra.DNSRecord{Type: "a", Name: "WWW.example.com.", Content: "192.0.2.1", TTL: 300, Proxied: true})
	p := approved(t, h, d)
	if p, err := h.svc.Execute(ctx, p.ID, "alice"); err != nil || p.Status != StatusApplied {
		t.Fatalf("execute: %v", err)
	}
}

func TestExecutesAtMostOnce(t *testing.T) {
	h := newHarness(t, requireN(1), nil)
	other := newHarnessAt(t, h.path, requireN(1), h.live, nil)
	p := approved(t, h, dnsDraft())
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := h.svc
			if i%2 == 1 {
				svc = other.svc
			}
			if _, err := svc.Execute(context.Background(), p.ID, "alice"); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 || h.live.applyCount() != 1 {
		t.Fatalf("successful executions=%d applies=%d, want 1 and 1", ok, h.live.applyCount())
	}
}

func TestExecutePolicyDenyRejects(t *testing.T) {
	ctx := context.Background()
	phases := PolicyFunc(func(ctx context.Context, req PolicyRequest) (PolicyVerdict, error) {
		if req.Phase == PhaseExecute {
			if req.Actor != "alice" {
				t.Errorf("execute actor = %q", req.Actor)
			}
			return PolicyVerdict{Decision: DecisionDeny, Reasons: []string{"change freeze started"}}, nil
		}
		return PolicyVerdict{Decision: DecisionAllow}, nil
	})
	h := newHarness(t, phases, nil)
	p := approved(t, h, dnsDraft())
	p, err := h.svc.Execute(ctx, p.ID, "alice")
	if err == nil || p.Status != StatusRejected || !strings.Contains(p.Reason, "change freeze started") || h.live.applyCount() != 0 {
		t.Fatalf("execute under deny: %v %+v", err, p)
	}
}

func TestApplyFailureRecorded(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, requireN(1), nil)
	p := approved(t, h, dnsDraft())
	h.live.applyErr = errors.New("502 from API")
	p, err := h.svc.Execute(ctx, p.ID, "alice")
	if err == nil || p.Status != StatusFailed || p.Result.Changes[0].Status != "failed" || !strings.Contains(p.Result.Message, "502 from API") {
		t.Fatalf("apply failure: %v %+v", err, p.Result)
	}
}

// interrupted leaves an approved card in executing, as a crash after the
// status write would.
func interrupted(t *testing.T, h *harness) *Proposal {
	t.Helper()
	p := approved(t, h, dnsDraft())
	p, err := h.store.mutate(context.Background(), p.ID, func(q *Proposal) error {
		now := h.clock.Now()
		q.Status, q.ExecutingSince = StatusExecuting, &now
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReconcileInterruptedExecutions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name       string
		live       string // the record's content when the process restarts
		wantStatus Status
		wantMsg    string
	}{
		{"applied before the crash", "192.0.2.2", StatusApplied, "reconciled"},
		{"crashed before apply", "192.0.2.1", StatusFailed, "interrupted before apply; not re-applied"},
		{"someone else changed it", "198.51.100.4", StatusFailed, "state unknown, check: record www.example.com (A) content is now 198.51.100.4, was 192.0.2.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, requireN(1), nil)
			p := interrupted(t, h)
			h.live.setRecordContent("r1", tc.live)

			// Within the grace period another process may still be applying it.
			if got, err := h.svc.Reconcile(ctx); err != nil || len(got) != 0 {
				t.Fatalf("reconcile inside grace: %v %v", got, err)
			}
			h.clock.Advance(5 * time.Minute)
			got, err := h.svc.Reconcile(ctx)
			if err != nil || len(got) != 1 {
				t.Fatalf("reconcile: %v %v", got, err)
			}
			if got[0].ID != p.ID || got[0].Status != tc.wantStatus || !strings.Contains(got[0].Result.Message, tc.wantMsg) || !got[0].Result.Reconciled {
				t.Fatalf("reconciled card: %s %+v", got[0].Status, got[0].Result)
			}
			if h.live.applyCount() != 0 {
				t.Error("reconcile re-applied a change")
			}
		})
	}
}

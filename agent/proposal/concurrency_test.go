package proposal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// answerRace has half the answerers approve and half reject one card, all at
// once, through the given services; exactly one answer may win.
func answerRace(t *testing.T, svcs []*Service, id, hash string) {
	t.Helper()
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			svc := svcs[i%len(svcs)]
			who := fmt.Sprintf("eng%d", i)
			if i%2 == 0 {
				_, errs[i] = svc.Approve(ctx, id, who, hash)
			} else {
				_, errs[i] = svc.Reject(ctx, id, who, "not now")
			}
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		if !strings.Contains(err.Error(), "was already") {
			t.Errorf("losing answer got an unclear error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d answers won, want exactly 1 (errors: %v)", wins, errs)
	}
	p, err := svcs[0].Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != StatusApproved && p.Status != StatusRejected {
		t.Fatalf("status after race = %s", p.Status)
	}
	if len(p.Approvals) > 1 {
		t.Fatalf("%d approvals recorded on a 1-approval card", len(p.Approvals))
	}
}

func TestFirstAnswerWinsAcrossGoroutines(t *testing.T) {
	h := newHarness(t, requireN(1), nil)
	for range 3 {
		p := h.propose(t, dnsDraft())
		answerRace(t, []*Service{h.svc}, p.ID, p.Hash)
	}
}

func TestFirstAnswerWinsAcrossStoreHandles(t *testing.T) {
	a := newHarness(t, requireN(1), nil)
	b := newHarnessAt(t, a.path, requireN(1), a.live, nil)
	for range 3 {
		p := a.propose(t, dnsDraft())
		answerRace(t, []*Service{a.svc, b.svc}, p.ID, p.Hash)
	}
}

func TestWaitSeesAnswerFromAnotherHandle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := newHarness(t, requireN(1), nil)
	b := newHarnessAt(t, a.path, requireN(1), a.live, nil)
	p := a.propose(t, dnsDraft())
	done := make(chan *Proposal, 1)
	go func() {
		got, err := a.svc.Wait(ctx, p.ID)
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	if _, err := b.svc.Approve(ctx, p.ID, "alice", p.Hash); err != nil {
		t.Fatal(err)
	}
	if got := <-done; got == nil || got.Status != StatusApproved {
		t.Fatalf("Wait = %+v", got)
	}
}

func TestSequentialIDsAcrossHandles(t *testing.T) {
	a := newHarness(t, requireN(1), nil)
	b := newHarnessAt(t, a.path, requireN(1), a.live, nil)
	var wg sync.WaitGroup
	ids := make(chan string, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := a
			if i%2 == 1 {
				h = b
			}
			p, err := h.svc.Propose(context.Background(), dnsDraft())
			if err != nil {
				t.Error(err)
				return
			}
			ids <- p.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %s issued twice", id)
		}
		seen[id] = true
	}
	for i := 1; i <= 10; i++ {
		if !seen[fmt.Sprintf("P-%d", i)] {
			t.Errorf("P-%d missing from %v", i, seen)
		}
	}
}

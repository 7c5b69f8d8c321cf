package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

// openCards focuses the cards pane with the given cards and selects the first.
func openCards(t *testing.T, ps ...*proposal.Proposal) *harness {
	h := newHarness(t, readyStatus(), Options{NoColor: true}, 120, 40)
	publishCards(h, ps...)
	h.press("2")
	return h
}

func TestNothingIsPreselected(t *testing.T) {
	h := openCards(t, card("p1", t0))
	h.clock.Advance(time.Second)
	if cmd := h.press("a"); cmd != nil || h.m.dlg != nil {
		t.Fatal("approve acted with no card selected")
	}
	if !strings.Contains(h.view(), "select a card first") {
		t.Errorf("no hint to select a card:\n%s", h.view())
	}
}

func TestApproveNeedsKeyAndConfirmation(t *testing.T) {
	h := openCards(t, card("p1", t0))
	h.press("j")
	h.clock.Advance(time.Second)
	if cmd := h.press("a"); cmd != nil {
		t.Fatal("the approve key alone produced an engine call")
	}
	if h.m.dlg == nil || !strings.Contains(h.view(), "Approve card p1?") {
		t.Fatalf("no confirmation dialog:\n%s", h.view())
	}
	if a, _, _ := h.eng.calls(); len(a) != 0 {
		t.Fatalf("approved before confirmation: %v", a)
	}
	h.clock.Advance(time.Second)
	h.run(h.press("enter"), 0)
	if a, _, _ := h.eng.calls(); len(a) != 1 || a[0] != "p1 hash-p1" {
		t.Fatalf("approvals = %v, want [p1 hash-p1]", a)
	}
}

func TestEscCancelsApproval(t *testing.T) {
	h := openCards(t, card("p1", t0))
	h.press("j")
	h.clock.Advance(time.Second)
	h.press("a")
	h.clock.Advance(time.Second)
	h.press("esc")
	if h.m.dlg != nil {
		t.Fatal("esc left the dialog open")
	}
	h.press("enter") // now opens the card, must not approve
	if a, _, _ := h.eng.calls(); len(a) != 0 {
		t.Fatalf("cancelled dialog approved: %v", a)
	}
}

func TestKeysRightAfterADialogOpensAreIgnored(t *testing.T) {
	h := openCards(t, card("p1", t0))
	h.press("j")
	h.clock.Advance(time.Second)
	h.press("a")
	if cmd := h.press("enter"); cmd != nil || h.m.dlg == nil {
		t.Fatal("enter at once answered the dialog")
	}
	h.clock.Advance(499 * time.Millisecond)
	if cmd := h.press("enter"); cmd != nil || h.m.dlg == nil {
		t.Fatal("enter after 499ms answered the dialog")
	}
	h.clock.Advance(time.Millisecond)
	if cmd := h.press("enter"); cmd == nil {
		t.Fatal("enter after 500ms did not confirm")
	}
}

func TestApproveKeyRightAfterACardAppearsIsIgnored(t *testing.T) {
	h := openCards(t, card("p1", t0), card("p2", t0.Add(time.Minute)))
	h.press("j")
	h.press("a") // same instant the card came under the cursor
	if h.m.dlg != nil {
		t.Fatal("approve key right after the card appeared opened the dialog")
	}
	h.clock.Advance(600 * time.Millisecond)
	h.press("a")
	if h.m.dlg == nil {
		t.Fatal("approve key after the guard did not open the dialog")
	}
}

func TestCardChangingUnderTheDialogClosesIt(t *testing.T) {
	h := openCards(t, card("p1", t0))
	h.press("j")
	h.clock.Advance(time.Second)
	h.press("a")
	changed := card("p1", t0)
	changed.Hash = "hash-new"
	publishCards(h, changed)
	if h.m.dlg != nil {
		t.Fatal("dialog stayed open after the card's content changed")
	}
	h.clock.Advance(time.Second)
	h.press("enter")
	if a, _, _ := h.eng.calls(); len(a) != 0 {
		t.Fatalf("approved a card whose content changed: %v", a)
	}
}

func TestDestructiveNeedsTheTypedName(t *testing.T) {
	h := openCards(t, deleteCard("p9", "legacy.example.com"))
	h.press("j")
	h.clock.Advance(time.Second)
	h.press("a")
	if !strings.Contains(h.view(), "legacy.example.com") || !strings.Contains(h.view(), "DESTRUCTIVE") {
		t.Fatalf("destructive dialog does not ask for the name:\n%s", h.view())
	}
	h.clock.Advance(time.Second)
	if cmd := h.press("enter"); cmd != nil {
		t.Fatal("enter without the name approved")
	}
	h.typeText("legacy.example.co")
	if cmd := h.press("enter"); cmd != nil {
		t.Fatal("a wrong name approved")
	}
	if !strings.Contains(h.view(), "Type the name exactly") {
		t.Errorf("no error for a wrong name:\n%s", h.view())
	}
	h.typeText("m")
	h.run(h.press("enter"), 0)
	if a, _, _ := h.eng.calls(); len(a) != 1 || a[0] != "p9 hash-p9" {
		t.Fatalf("approvals = %v", a)
	}
}

func TestRejectCollectsAReason(t *testing.T) {
	h := openCards(t, card("p1", t0))
	h.press("j")
	h.clock.Advance(time.Second)
	h.press("r")
	h.clock.Advance(time.Second)
	if cmd := h.press("enter"); cmd != nil {
		t.Fatal("rejected without a reason")
	}
	h.typeText("use a 60s TTL first")
	h.run(h.press("enter"), 0)
	if _, r, _ := h.eng.calls(); len(r) != 1 || r[0] != "p1: use a 60s TTL first" {
		t.Fatalf("rejections = %v", r)
	}
}

func TestDeniedAndDecidedCardsCannotBeApproved(t *testing.T) {
	denied := card("p1", t0)
	denied.Policy.Decision = proposal.DecisionDeny
	applied := card("p2", t0)
	applied.Status = proposal.StatusApplied
	h := openCards(t, denied, applied)
	for range 2 {
		h.press("j")
		h.clock.Advance(time.Second)
		h.press("a")
		if h.m.dlg != nil {
			t.Fatalf("approve dialog opened for %s", h.m.cards.selID)
		}
	}
}

func TestCopyCardJSONUsesOSC52(t *testing.T) {
	h := openCards(t, card("p1", t0))
	h.press("j")
	cmd := h.press("y")
	if cmd == nil {
		t.Fatal("y produced no command")
	}
	msg := cmd()
	if s := fmt.Sprint(msg); !strings.Contains(s, `"id": "p1"`) {
		t.Fatalf("clipboard message does not hold the card JSON: %T %.80s", msg, s)
	}
}

func TestProposalEventsAreNeverDropped(t *testing.T) {
	h := newHarness(t, readyStatus(), Options{NoColor: true}, 120, 40)
	const n = 200
	for i := range n {
		// traffic events coalesce on the bus; proposals must all arrive
		h.eng.bus.Publish(bus.Event{Topic: "traffic", Key: "example.com", Payload: 1})
		h.eng.bus.Publish(bus.Event{Topic: TopicProposal, MustDeliver: true, Payload: card(fmt.Sprintf("p%03d", i), t0)})
	}
	cmd := waitEvent(h.m.ctx, h.m.sub)
	for h.m.sub.Pending() > 0 {
		cmd = h.send(cmd())
	}
	if got := len(h.m.cards.order); got != n {
		t.Fatalf("cards = %d, want %d", got, n)
	}
	if cmd == nil {
		t.Fatal("the event reader was not re-armed")
	}
}

func TestAFetchRequestedBeforeABusUpdateDoesNotUndoIt(t *testing.T) {
	h := newHarness(t, readyStatus(), Options{NoColor: true}, 120, 40)
	h.eng.proposals = []*proposal.Proposal{card("p1", t0)}
	fetch := h.m.loadProposals()
	applied := card("p1", t0)
	applied.Status = proposal.StatusApplied
	publishCards(h, applied)
	h.run(fetch, 0)
	if got := h.m.cards.byID["p1"].Status; got != proposal.StatusApplied {
		t.Fatalf("p1 status = %s after a stale fetch, want applied", got)
	}
	h.eng.proposals = append(h.eng.proposals, card("p2", t0))
	h.run(h.m.loadProposals(), 0)
	if h.m.cards.byID["p2"] == nil {
		t.Fatal("a fetch did not add a new card")
	}
}

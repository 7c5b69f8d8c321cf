package ui

import (
	"strings"
	"testing"
	"time"
)

func helpText(h *harness) string {
	h.press("?")
	v := h.view()
	h.press("esc")
	return v
}

func TestHelpListsExactlyTheBoundKeys(t *testing.T) {
	h := newHarness(t, readyStatus(), Options{NoColor: true}, 200, 60)
	v := helpText(h)
	rows := 0
	for _, line := range strings.Split(v, "\n") {
		for _, b := range h.m.keys.Bindings() {
			if strings.Contains(line, "  "+strings.Join(b.Keys, ", ")) && strings.Contains(line, b.Help) {
				rows++
			}
		}
	}
	for _, b := range h.m.keys.Bindings() {
		want := strings.Join(b.Keys, ", ")
		if !strings.Contains(v, want) || !strings.Contains(v, b.Help) {
			t.Errorf("help lacks %q (%s)", want, b.Help)
		}
	}
	// help rows are generated from the same table: one row per binding
	if got, want := len(helpLines(h.m.st, h.m.keys))-countHeadersAndBlanks(h), len(h.m.keys.Bindings()); got != want {
		t.Errorf("help has %d binding rows, the key table %d", got, want)
	}
	if rows < len(h.m.keys.Bindings()) {
		t.Errorf("only %d of %d bindings appear as rows in the help view", rows, len(h.m.keys.Bindings()))
	}
}

func countHeadersAndBlanks(h *harness) int {
	n := 0
	for _, l := range helpLines(h.m.st, h.m.keys) {
		if !strings.HasPrefix(l, "  ") {
			n++
		}
	}
	return n
}

func TestDispatchUsesTheTable(t *testing.T) {
	k := NewKeymap(DefaultBindings(), false)
	for _, b := range k.Bindings() {
		for _, key := range b.Keys {
			if a, ok := k.Lookup(key, b.Context); !ok || a != b.Action {
				t.Errorf("key %q in %s dispatches to %v, table says %v", key, b.Context, a, b.Action)
			}
		}
	}
	// the same key in different contexts: the most specific wins
	if a, _ := k.Lookup("enter", CtxCard, CtxCards, CtxList, CtxGlobal); a != ActCloseCard {
		t.Errorf("enter on an open card = %v, want close", a)
	}
	if a, _ := k.Lookup("enter", CtxCards, CtxList, CtxGlobal); a != ActOpenCard {
		t.Errorf("enter on the queue = %v, want open", a)
	}
}

func TestReadOnlyRemovesWriteKeysFromMapHelpAndHints(t *testing.T) {
	s := readyStatus()
	s.ReadOnly = true
	h := newHarness(t, s, Options{NoColor: true}, 200, 60)
	for _, b := range h.m.keys.Bindings() {
		if b.Dangerous {
			t.Errorf("read-only keymap still binds %v (%s)", b.Keys, b.Help)
		}
	}
	if v := helpText(h); strings.Contains(v, "approve") || strings.Contains(v, "reject") || strings.Contains(v, "propose revert") {
		t.Errorf("read-only help mentions a write key:\n%s", v)
	}
	publishCards(h, card("p1", t0))
	h.press("2", "j")
	h.clock.Advance(time.Second)
	if v := h.view(); strings.Contains(v, "approve") || !strings.Contains(v, "READ-ONLY") {
		t.Errorf("read-only cards view: want no approve hint and a READ-ONLY marker:\n%s", v)
	}
	if cmd := h.press("a"); cmd != nil || h.m.dlg != nil {
		t.Fatal("approve key did something in read-only mode")
	}
	h.press("r")
	if h.m.dlg != nil {
		t.Fatal("reject key opened a dialog in read-only mode")
	}
	if a, _, _ := h.eng.calls(); len(a) != 0 {
		t.Fatalf("engine approvals in read-only mode: %v", a)
	}
	// the full keymap has them, so the test above is meaningful
	full := NewKeymap(DefaultBindings(), false)
	if _, ok := full.Lookup("a", CtxCards); !ok {
		t.Fatal("the normal keymap lacks the approve key")
	}
}

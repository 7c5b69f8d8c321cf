package ui

import (
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/anomaly"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/watch"
)

const evil = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31mred\u202eevil\u009b6n"

// richHarness fills every pane, with escape-laden strings where the
// outside world supplies text.
func richHarness(t testing.TB, noColor bool, w, h int) *harness {
	hs := newHarness(t, readyStatus(), Options{NoColor: noColor}, w, h)
	txt := card("p-evil", t0)
	txt.Title = "Fix TXT " + evil
	txt.Rationale = "Because " + evil + "\nsecond line"
	txt.Review.Concerns = []string{"concern " + evil}
	txt.Changes = []infra.Change{{Kind: infra.DNSCreate, Zone: "example.com", Target: "new",
		After: mustJSON(infra.DNSRecord{Type: "TXT", Name: "_evil.example.com", Content: "v=spf1 " + evil, TTL: 1})}}
	publishCards(hs, txt, card("p2", t0.Add(-time.Hour)), deleteCard("p3", "gone.example.com"))
	ds := driftState(true)
	ds.Report.Findings[0].Summary = "content " + evil
	publish(hs, watch.TopicDrift, "", ds)
	publish(hs, watch.TopicTraffic, "example.com", traffic("example.com", true))
	publish(hs, watch.TopicTraffic, "ex\x1bample.org", traffic("ex\x1bample.org", false))
	publish(hs, TopicAnomaly, "example.com", []anomaly.Finding{{Zone: "example.com", Metric: anomaly.MetricRatio5xx, Active: true, Explanation: "5xx " + evil}})
	hs.m.chat.asking = true
	for _, ev := range []agent.Event{
		{Kind: agent.EventText, Text: "# Findings\n\nThe record holds `" + evil + "` and &#27;[2J and &#x1b;]0;pwn&#7;.\n\n"},
		{Kind: agent.EventText, Text: "| zone | state |\n|---|---|\n| example.com | " + evil + " |\n\n```\n" + evil + "\n```\n\nDone " + evil},
	} {
		hs.m.chat.handleEvent(ev)
	}
	hs.m.chat.tr.endStream()
	hs.m.chat.asking = false
	hs.send(flushMsg{})
	return hs
}

// screens visits every pane, the open card, help and a dialog.
func screens(h *harness, visit func(name, view string)) {
	for _, k := range []string{"1", "2", "3", "4"} {
		h.press(k)
		visit("pane "+k, h.view())
	}
	h.press("2", "j")
	h.clock.Advance(time.Second)
	h.press("enter")
	visit("card detail", h.view())
	h.press("esc", "G")
	h.clock.Advance(time.Second)
	h.press("a")
	visit("destructive dialog", h.view())
	h.press("esc")
	h.press("?")
	visit("help", h.view())
	h.press("esc")
}

func TestNoColorViewHasNoEscapeSequences(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		h := richHarness(t, true, size[0], size[1])
		screens(h, func(name, v string) {
			if strings.Contains(v, "\x1b") {
				i := strings.Index(v, "\x1b")
				t.Errorf("%dx%d %s: escape byte in NO_COLOR view near %q", size[0], size[1], name, v[max(0, i-20):min(len(v), i+20)])
			}
		})
	}
}

func TestUntrustedTextRendersInert(t *testing.T) {
	for _, noColor := range []bool{true, false} {
		h := richHarness(t, noColor, 200, 50)
		sawStandIn := false
		screens(h, func(name, v string) {
			for _, bad := range []string{"\x1b]52", "\x1b[2J", "\x1b[31mred", "\x07", "\u202e", "\u009b", "\x1b]0;pwn"} {
				if strings.Contains(v, bad) {
					t.Errorf("noColor=%v %s: raw %q reached the view", noColor, name, bad)
				}
			}
			if strings.Contains(v, "␛") {
				sawStandIn = true
			}
		})
		if !sawStandIn {
			t.Errorf("noColor=%v: no visible stand-in for the escape characters", noColor)
		}
		h.press("1")
		if v := ansi.Strip(h.view()); !strings.Contains(v, "&#27;[2J") {
			t.Errorf("numeric entity was decoded instead of shown:\n%s", v)
		}
	}
}

func TestLayoutsFitTheTerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 30}, {200, 50}, {300, 90}} {
		for _, noColor := range []bool{true, false} {
			h := richHarness(t, noColor, size[0], size[1])
			screens(h, func(name, v string) {
				lines := strings.Split(v, "\n")
				if len(lines) != size[1] {
					t.Errorf("%dx%d %s: %d lines", size[0], size[1], name, len(lines))
				}
				for i, l := range lines {
					if w := lipgloss.Width(l); w > size[0] {
						t.Errorf("%dx%d %s: line %d is %d wide", size[0], size[1], name, i, w)
					}
				}
			})
		}
	}
}

func TestResizeKeepsWorking(t *testing.T) {
	h := richHarness(t, false, 200, 50)
	for _, s := range [][2]int{{80, 24}, {30, 10}, {250, 70}, {120, 30}, {1, 1}, {80, 24}} {
		h.send(teaSize(s[0], s[1]))
		if v := h.view(); s[0] >= 20 && len(strings.Split(v, "\n")) != s[1] && s[1] > chromeLines {
			t.Errorf("after resize to %v: %d lines", s, len(strings.Split(v, "\n")))
		}
	}
	h.press("1")
	if !strings.Contains(h.view(), "Findings") {
		t.Errorf("chat lost its content after resizes:\n%s", h.view())
	}
}

func TestCompactLayoutShowsOnePaneWithTabs(t *testing.T) {
	h := richHarness(t, true, 80, 24)
	h.press("3")
	v := h.view()
	if !strings.Contains(v, "[3 Drift (3)]") || strings.Contains(v, "Findings") {
		t.Errorf("compact layout should show the drift pane alone with a tab bar:\n%s", v)
	}
}

package ui

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent"
)

// answerMarkdown is a typical model answer of about ten rendered lines.
func answerMarkdown(i int) string {
	return fmt.Sprintf("Finding %d: the **origin** for `www.example.com` changed at 11:5%d.\n\n"+
		"- record A www → 203.0.113.%d\n- proxied: true\n- TTL 300\n\nI suggest a revert; see the card.", i, i%10, i%250)
}

// longTranscript adds entries until the rendered transcript holds at least
// lines lines; render says whether to render them all now (as a long
// session would have) or leave them to lazy rendering.
func longTranscript(h *harness, lines int, render bool) {
	c := h.m.chat
	w := c.width
	total := 0
	for i := 0; total < lines; i++ {
		u := &entry{kind: entryUser, raw: fmt.Sprintf("question %d: what changed on example.com?", i)}
		a := &entry{kind: entryAssistant, raw: answerMarkdown(i)}
		c.tr.add(u)
		c.tr.add(a)
		if render {
			c.renderEntry(u, w)
			c.renderEntry(a, w)
			total += len(u.lines) + len(a.lines) + 2
		} else {
			total += 12
		}
	}
	h.send(flushMsg{})
}

func p99(ds []time.Duration) float64 {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[len(ds)*99/100]) / float64(time.Millisecond)
}

// BenchmarkView measures View at 200x50 with a 10k-line transcript and
// 1,000 cards, on the chat, the card queue (scrolled) and an open card.
func BenchmarkView(b *testing.B) {
	h := newHarness(b, readyStatus(), Options{}, 200, 50)
	longTranscript(h, 10_000, true)
	for i := range 1000 {
		publishCards(h, card(fmt.Sprintf("p%04d", i), t0.Add(-time.Duration(i)*time.Minute)))
	}
	publish(h, "drift", "", driftState(false))
	publish(h, "traffic", "example.com", traffic("example.com", true))
	h.press("2")
	for range 500 {
		h.press("j")
	}
	states := []func(){
		func() { h.press("1") },
		func() { h.press("2") },
		func() { h.press("2", "enter") },
		func() { h.press("esc", "3") },
	}
	var ds []time.Duration
	i := 0
	for b.Loop() {
		if i%50 == 0 {
			states[(i/50)%len(states)]()
		}
		i++
		start := time.Now()
		_ = h.m.View()
		ds = append(ds, time.Since(start))
	}
	b.ReportMetric(p99(ds), "p99-ms")
}

// BenchmarkStreaming streams a 2,000-token answer (flushing every 8 tokens,
// about one 40ms tick at 200 tokens/s, and drawing after each flush) after
// a short and after a long transcript: the cost must not grow with length.
func BenchmarkStreaming(b *testing.B) {
	for _, tc := range []struct {
		name  string
		lines int
	}{{"short-transcript", 10}, {"long-transcript-10k", 10_000}} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHarness(b, readyStatus(), Options{}, 200, 50)
			longTranscript(h, tc.lines, true)
			base := len(h.m.chat.tr.entries)
			var ds []time.Duration
			for b.Loop() {
				h.m.chat.asking = true
				for tok := 0; tok < 2000; tok++ {
					text := "word "
					switch {
					case tok%60 == 59:
						text = "end.\n\n"
					case tok%13 == 0:
						text = "**bold** "
					}
					h.m.chat.handleEvent(agent.Event{Kind: agent.EventText, Text: text})
					if tok%8 == 7 {
						start := time.Now()
						h.send(flushMsg{})
						_ = h.m.View()
						ds = append(ds, time.Since(start))
					}
				}
				h.m.chat.tr.endStream()
				h.send(flushMsg{})
				h.m.chat.tr.entries = h.m.chat.tr.entries[:base]
			}
			b.ReportMetric(p99(ds), "p99-flush-ms")
		})
	}
}

package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/driftdeck/driftdeck/agent/sanitize"
)

type rect struct{ w, h int }

// layout is where each pane goes. Compact (below 120x30) shows the focused
// pane alone under the tab bar; wide puts chat on the left and cards,
// drift and anomaly stacked on the right, the focused one tallest.
type layout struct {
	compact                    bool
	body                       int
	leftW, rightW              int
	chat, cards, drift, anomal rect
}

const chromeLines = 3 // status bar, tab bar, hints

func (m *Model) layout() layout {
	w, h := max(m.width, 20), max(m.height, chromeLines+1)
	l := layout{body: h - chromeLines}
	if w < 120 || h < 30 {
		l.compact = true
		full := rect{w, l.body}
		l.chat, l.cards, l.drift, l.anomal = full, full, full, full
		return l
	}
	l.leftW = w * 55 / 100
	l.rightW = w - l.leftW - 1
	l.chat = rect{l.leftW, l.body - 1}
	avail := l.body - 3 // one title line per right pane
	big := avail / 2
	small := (avail - big) / 2
	hs := map[pane]int{paneCards: small, paneDrift: small, paneAnomaly: small}
	focus := m.focus
	if focus == paneChat {
		focus = paneCards
	}
	hs[focus] = avail - 2*small
	l.cards = rect{l.rightW, hs[paneCards]}
	l.drift = rect{l.rightW, hs[paneDrift]}
	l.anomal = rect{l.rightW, hs[paneAnomaly]}
	return l
}

// listChrome is how many lines a list pane spends above its rows.
func (m *Model) listChrome(p pane) int {
	if m.filterOf(p) != "" {
		return 1
	}
	return 0
}

func (m *Model) filterOf(p pane) string {
	switch p {
	case paneCards:
		return m.cards.filter
	case paneDrift:
		return m.drift.filter
	case paneAnomaly:
		return m.anom.filter
	}
	return ""
}

// paneLines renders a pane's body in r.
func (m *Model) paneLines(p pane, r rect) []string {
	now := m.now()
	var head []string
	if f := m.filterOf(p); f != "" {
		head = append(head, m.st.warn.Render("filter: "+sanitize.Line(f)+" (esc clears)"))
	}
	h := max(0, r.h-len(head))
	var body []string
	switch p {
	case paneChat:
		body = m.chat.view(m.status, max(20, r.w-1), r.h)
	case paneCards:
		if m.cards.open {
			body = m.cards.detailView(h)
		} else {
			body = m.cards.listView(r.w, h, now)
		}
	case paneDrift:
		body = m.drift.view(r.w, h, now)
	case paneAnomaly:
		body = m.anom.view(r.w, h, now)
	}
	return fit(append(head, body...), r.w, r.h)
}

func (m *Model) paneTitle(p pane, w int) string {
	names := [...]string{"Chat", "Cards", "Drift", "Anomaly"}
	t := fmt.Sprintf(" %d %s", p+1, names[p])
	switch p {
	case paneCards:
		t += fmt.Sprintf(" (%d pending, %d total)", m.cards.pendingCount(), len(m.cards.order))
		if m.cards.open {
			t += " · card detail"
		}
	case paneDrift:
		t += " (" + count(len(m.drift.state.Report.Findings), "finding") + ")"
	case paneAnomaly:
		t += fmt.Sprintf(" (%d active)", m.anom.totalActive())
	}
	if p == m.focus {
		return m.st.focusTitle.Render(fitLine(t, w))
	}
	return m.st.title.Render(fitLine(t, w))
}

// bodyLines renders the area between the tab bar and the hints.
func (m *Model) bodyLines(l layout, w int) []string {
	switch {
	case m.dlg != nil:
		return fit(m.dialogView(m.dlg, w, l.body), w, l.body)
	case m.help:
		return fit(m.helpView(w, l.body), w, l.body)
	case l.compact:
		r := map[pane]rect{paneChat: l.chat, paneCards: l.cards, paneDrift: l.drift, paneAnomaly: l.anomal}[m.focus]
		return m.paneLines(m.focus, r)
	}
	left := append([]string{m.paneTitle(paneChat, l.leftW)}, m.paneLines(paneChat, l.chat)...)
	var right []string
	for _, p := range []pane{paneCards, paneDrift, paneAnomaly} {
		r := map[pane]rect{paneCards: l.cards, paneDrift: l.drift, paneAnomaly: l.anomal}[p]
		right = append(right, m.paneTitle(p, l.rightW))
		right = append(right, m.paneLines(p, r)...)
	}
	left, right = fit(left, l.leftW, l.body), fit(right, l.rightW, l.body)
	sep := m.st.dim.Render("│")
	out := make([]string, l.body)
	for i := range out {
		out[i] = left[i] + sep + right[i]
	}
	return out
}

// View draws the console from caches; nothing here renders markdown.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "driftdeck"
	return v
}

func (m *Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return "driftdeck: starting…"
	}
	w := m.width
	l := m.layout()
	lines := make([]string, 0, m.height)
	lines = append(lines, m.statusBar(w), m.tabBar(w))
	lines = append(lines, m.bodyLines(l, w)...)
	lines = append(lines, m.hintLine(w))
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	out := joinLines(lines)
	if m.opts.NoColor {
		out = ansi.Strip(out) // belt and braces: no escape sequence at all
	}
	return out
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }

func splitLines(s string) []string { return strings.Split(s, "\n") }

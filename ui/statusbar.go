package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// statusBar renders the top line: where, who, model, budget, mode, freshness.
func (m *Model) statusBar(w int) string {
	s := m.status
	now := m.now()
	var parts []string
	if s.Sandbox {
		parts = append(parts, m.st.badge.Render(" SANDBOX "))
	} else {
		acct := sanitize.Line(s.Account)
		if acct == "" {
			acct = "account ?"
		}
		parts = append(parts, "account "+acct)
	}
	if m.status.ReadOnly {
		parts = append(parts, m.st.badge.Render(" READ-ONLY "))
	}
	if s.User != "" {
		parts = append(parts, "user "+sanitize.Line(s.User))
	}
	state := s.ModelState
	if state == "" {
		state = "unknown"
	}
	model := "model " + sanitize.Line(s.Model) + " (" + sanitize.Line(state) + ")"
	if !chatUsable(s) {
		model = m.st.warn.Render(model)
	}
	parts = append(parts, model)
	b := s.Budget
	if b.Limit > 0 {
		budget := fmt.Sprintf("API %d/%d", b.Used, b.Limit)
		if b.ThrottledUntil.After(now) {
			budget = m.st.danger.Render(budget + " throttled until " + b.ThrottledUntil.Local().Format(time.TimeOnly))
		} else if b.Used*10 >= b.Limit*8 {
			budget = m.st.warn.Render(budget)
		}
		parts = append(parts, budget)
	}
	if m.zone != "" {
		parts = append(parts, "zone "+sanitize.Hostname(m.zone))
	}
	if m.lastRefresh.IsZero() {
		parts = append(parts, "no data yet")
	} else {
		parts = append(parts, fmt.Sprintf("refreshed %s (%s ago)", m.lastRefresh.Local().Format(time.TimeOnly), ago(now, m.lastRefresh)))
	}
	line := " " + strings.Join(parts, " │ ")
	return m.st.bar.Render(fitLine(line, w))
}

// tabBar names the panes with their counts; the focused one is marked.
func (m *Model) tabBar(w int) string {
	names := []string{
		"1 Chat",
		fmt.Sprintf("2 Cards (%d pending)", m.cards.pendingCount()),
		fmt.Sprintf("3 Drift (%d)", len(m.drift.state.Report.Findings)),
		fmt.Sprintf("4 Anomaly (%d active)", m.anom.totalActive()),
	}
	var b strings.Builder
	for i, n := range names {
		if pane(i) == m.focus {
			b.WriteString(m.st.tabActive.Render("[" + n + "]"))
		} else {
			b.WriteString(m.st.tabIdle.Render(" " + n + " "))
		}
		b.WriteString(" ")
	}
	return fitLine(b.String(), w)
}

// hintLine is the bottom line: a prompt being typed, a flash message, or
// the hints of the focused context, all read from the key table.
func (m *Model) hintLine(w int) string {
	if m.prompt != nil {
		return fitLine(m.prompt.in.view(w), w)
	}
	if m.flash != "" {
		return fitLine(m.st.warn.Render(m.flash), w)
	}
	var parts []string
	seen := map[Action]bool{}
	for _, b := range m.keys.Hints(m.chain()...) {
		if seen[b.Action] {
			continue
		}
		seen[b.Action] = true
		parts = append(parts, m.st.key.Render(b.Keys[0])+" "+b.Help)
	}
	return fitLine(strings.Join(parts, "  "), w)
}

package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// cardsPane is the queue of proposals and the detail of the open one.
// Nothing is selected until the engineer moves onto a card.
type cardsPane struct {
	st      styles
	byID    map[string]*proposal.Proposal
	order   []*proposal.Proposal // active first, then newest first
	visible []*proposal.Proposal // order after the zone and text filters
	selID   string               // "" = nothing selected
	top     int                  // first visible row of the list
	open    bool                 // detail view shown

	detail       []string // rendered detail of selID
	detailW      int
	detailHash   string
	detailStatus proposal.Status
	detailScroll int
	detailOf     *proposal.Proposal // the value detail was rendered from

	filter string
	zone   string
}

func newCardsPane(st styles) *cardsPane {
	return &cardsPane{st: st, byID: map[string]*proposal.Proposal{}}
}

func statusRank(s proposal.Status) int {
	switch s {
	case proposal.StatusPending:
		return 0
	case proposal.StatusApproved, proposal.StatusExecuting:
		return 1
	}
	return 2
}

// upsert adds or replaces a card. It reports whether the selected card's
// content changed, which restarts the approval guard.
func (c *cardsPane) upsert(p *proposal.Proposal) (selectedChanged bool) {
	if p == nil || p.ID == "" {
		return false
	}
	old, had := c.byID[p.ID]
	c.byID[p.ID] = p
	if !had {
		c.order = append(c.order, p)
	} else {
		for i, q := range c.order {
			if q.ID == p.ID {
				c.order[i] = p
			}
		}
	}
	c.sort()
	c.refilter()
	return had && p.ID == c.selID && (old.Hash != p.Hash || old.Status != p.Status)
}

// merge applies a fetched queue. A card the bus updated after the fetch
// was requested (touched[id] > seq) keeps the bus's version: every change
// is also published, so the queue converges either way. Cards are never
// removed by a fetch.
func (c *cardsPane) merge(list []*proposal.Proposal, touched map[string]int, seq int) {
	for _, p := range list {
		if p == nil || p.ID == "" || touched[p.ID] > seq {
			continue
		}
		if _, had := c.byID[p.ID]; !had {
			c.order = append(c.order, p)
		} else {
			for i, q := range c.order {
				if q.ID == p.ID {
					c.order[i] = p
				}
			}
		}
		c.byID[p.ID] = p
	}
	c.sort()
	c.refilter()
}

func (c *cardsPane) sort() {
	sort.SliceStable(c.order, func(i, j int) bool {
		a, b := c.order[i], c.order[j]
		if ra, rb := statusRank(a.Status), statusRank(b.Status); ra != rb {
			return ra < rb
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.After(b.CreatedAt)
		}
		return a.ID < b.ID
	})
}

// cardZones lists the zones a card's changes touch.
func cardZones(p *proposal.Proposal) []string {
	var zs []string
	for _, ch := range p.Changes {
		if ch.Zone != "" && !contains(zs, ch.Zone) {
			zs = append(zs, ch.Zone)
		}
	}
	return zs
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (c *cardsPane) matches(p *proposal.Proposal) bool {
	if c.zone != "" && !contains(cardZones(p), c.zone) {
		return false
	}
	if c.filter == "" {
		return true
	}
	hay := strings.ToLower(p.ID + " " + p.Title + " " + string(p.Status) + " " + string(p.Risk) + " " + strings.Join(cardZones(p), " "))
	return strings.Contains(hay, strings.ToLower(c.filter))
}

func (c *cardsPane) refilter() {
	c.visible = c.visible[:0]
	for _, p := range c.order {
		if c.matches(p) {
			c.visible = append(c.visible, p)
		}
	}
	if c.selID != "" && c.index(c.selID) < 0 {
		c.selID, c.open = "", false
	}
}

func (c *cardsPane) index(id string) int {
	for i, p := range c.visible {
		if p.ID == id {
			return i
		}
	}
	return -1
}

// selected is the card under the cursor, nil when none.
func (c *cardsPane) selected() *proposal.Proposal {
	if c.selID == "" {
		return nil
	}
	return c.byID[c.selID]
}

// move shifts the selection by n rows; from no selection it lands on the
// first (or last) row. It reports whether a different card is now selected.
func (c *cardsPane) move(n int) bool {
	if len(c.visible) == 0 {
		return false
	}
	i := c.index(c.selID)
	switch {
	case i < 0 && n >= 0:
		i = 0
	case i < 0:
		i = len(c.visible) - 1
	default:
		i = clampInt(i+n, 0, len(c.visible)-1)
	}
	prev := c.selID
	c.selID = c.visible[i].ID
	c.detailScroll = 0
	return prev != c.selID
}

// keepInView scrolls the list of height h so the selection shows.
func (c *cardsPane) keepInView(h int) {
	if sel := c.index(c.selID); sel >= 0 && h > 0 {
		if sel < c.top {
			c.top = sel
		}
		if sel >= c.top+h {
			c.top = sel - h + 1
		}
	}
	c.top = clampInt(c.top, 0, max(0, len(c.visible)-h))
}

func (c *cardsPane) pendingCount() int {
	n := 0
	for _, p := range c.order {
		if p.Status == proposal.StatusPending {
			n++
		}
	}
	return n
}

// listView renders only the rows that fit, keeping the selection in view.
func (c *cardsPane) listView(w, h int, now time.Time) []string {
	if len(c.visible) == 0 {
		msg := "No cards. The agent's write proposals and drift reverts appear here."
		if len(c.order) > 0 {
			msg = fmt.Sprintf("No card matches the filter (%d hidden): esc clears it.", len(c.order))
		}
		return []string{c.st.dim.Render(msg)}
	}
	sel := c.index(c.selID)
	top := clampInt(c.top, 0, max(0, len(c.visible)-h))
	lines := make([]string, 0, h)
	for i := top; i < len(c.visible) && len(lines) < h; i++ {
		lines = append(lines, c.row(c.visible[i], i == sel, w, now))
	}
	return lines
}

func (c *cardsPane) row(p *proposal.Proposal, selected bool, w int, now time.Time) string {
	cursor := "  "
	if selected {
		cursor = "› "
	}
	zones := make([]string, 0, 2)
	for _, z := range cardZones(p) {
		zones = append(zones, sanitize.Hostname(z))
	}
	approvals := fmt.Sprintf("%d/%d", len(p.ValidApprovers()), max(1, p.ApprovalsRequired))
	meta := fmt.Sprintf(" · %s · %s · %s · %s", strings.Join(zones, ","), p.Status, approvals, ago(now, p.CreatedAt))
	line := cursor + c.riskBadge(p.Risk) + " " + sanitize.Line(p.Title)
	line = fitTrim(line, max(10, w-widthOf(meta))) + c.st.dim.Render(meta)
	if selected {
		return c.st.selected.Render(fitLine(line, w))
	}
	return line
}

func (c *cardsPane) riskBadge(r proposal.Risk) string {
	label := fmt.Sprintf("%-8s", "["+string(r)+"]")
	switch r {
	case proposal.RiskCritical, proposal.RiskHigh:
		return c.st.danger.Render(label)
	case proposal.RiskMedium:
		return c.st.warn.Render(label)
	}
	return c.st.ok.Render(label)
}

// ago is a short age: 42s, 5m, 3h, 2d.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

package ui

import (
	"fmt"
	"time"

	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// detailLines renders a card in full. It is cached per card content and
// width (see cardsPane.ensureDetail); View only slices the cache.
func detailLines(st styles, p *proposal.Proposal, w int) []string {
	var out []string
	add := func(ls ...string) { out = append(out, ls...) }
	wrap := func(prefix, text string) {
		add(prefixLines(prefix, wrapText(text, max(10, w-widthOf(prefix))))...)
	}
	add(st.bold.Render(fitTrim(sanitize.Line(p.Title), w)))
	meta := fmt.Sprintf("%s · %s · %s · risk %s · by %s · %s", sanitize.Line(p.ID), p.Status, p.Effect,
		p.Risk, sanitize.Line(p.CreatedBy), p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	add(st.dim.Render(fitTrim(meta, w)))
	if !p.ExpiresAt.IsZero() && !p.Status.Final() {
		add(st.dim.Render("expires " + p.ExpiresAt.UTC().Format("15:04 UTC")))
	}
	if name := confirmName(p); name != "" {
		add(st.danger.Render(fitTrim("DESTRUCTIVE: approving asks you to type "+name, w)))
	}
	add("")
	add(st.title.Render("Rationale"))
	wrap("  ", safeLine(p.Rationale))
	add("")
	add(st.title.Render(fmt.Sprintf("Changes (%d)", len(p.Changes))))
	for i, ch := range p.Changes {
		add(changeLines(st, i+1, ch, w)...)
	}
	add("")
	add(policyLines(st, p, w)...)
	add(reviewLines(st, p, w)...)
	add(approvalLines(st, p, w)...)
	add(resultLines(st, p, w)...)
	return out
}

func policyLines(st styles, p *proposal.Proposal, w int) []string {
	decision := p.Policy.Decision
	style := st.ok
	switch decision {
	case proposal.DecisionDeny:
		style = st.danger
	case proposal.DecisionRequireApprovals:
		style = st.warn
	}
	out := []string{st.title.Render("Policy: ") + style.Render(sanitize.Line(decision)) +
		st.dim.Render(fmt.Sprintf(" (approvals required: %d)", max(1, p.ApprovalsRequired)))}
	for _, r := range p.Policy.Reasons {
		out = append(out, prefixLines("  - ", wrapText(sanitize.Line(r), w-4))...)
	}
	return out
}

func reviewLines(st styles, p *proposal.Proposal, w int) []string {
	if p.Review.Missing {
		return prefixLines(st.warn.Render("Review missing: "), wrapText(sanitize.Line(p.Review.Reason), w-16))
	}
	head := st.title.Render("Review")
	if p.Review.Risk != "" {
		head += st.dim.Render(" (risk " + sanitize.Line(string(p.Review.Risk)) + ")")
	}
	out := []string{head}
	if len(p.Review.Concerns) == 0 {
		out = append(out, st.dim.Render("  no concerns"))
	}
	for _, c := range p.Review.Concerns {
		out = append(out, prefixLines("  - ", wrapText(sanitize.Line(c), w-4))...)
	}
	return out
}

func approvalLines(st styles, p *proposal.Proposal, w int) []string {
	valid := p.ValidApprovers()
	out := []string{st.title.Render(fmt.Sprintf("Approvals: %d of %d", len(valid), max(1, p.ApprovalsRequired)))}
	for _, a := range p.Approvals {
		note := ""
		if a.Hash != p.Hash {
			note = st.warn.Render(" (for an earlier version: not counted)")
		}
		out = append(out, fitTrim("  "+sanitize.Line(a.By)+" at "+a.At.UTC().Format("15:04:05 UTC")+note, w))
	}
	if p.DecidedBy != "" {
		out = append(out, fitTrim("  decided by "+sanitize.Line(p.DecidedBy), w))
	}
	if p.Reason != "" {
		out = append(out, prefixLines("  reason: ", wrapText(sanitize.Line(p.Reason), w-10))...)
	}
	return out
}

func resultLines(st styles, p *proposal.Proposal, w int) []string {
	out := []string{st.title.Render("Status: ") + statusStyle(st, p.Status).Render(string(p.Status))}
	if p.ExecutingSince != nil {
		out[0] += st.dim.Render(" since " + p.ExecutingSince.UTC().Format(time.TimeOnly))
	}
	if r := p.Result; r != nil {
		style := st.ok
		if !r.OK {
			style = st.danger
		}
		out = append(out, prefixLines("  ", wrapText(style.Render(sanitize.Line(r.Message)), w-2))...)
		for _, c := range r.Changes {
			l := fmt.Sprintf("  %s %s: %s", sanitize.Line(string(c.Kind)), sanitize.Line(c.Target), sanitize.Line(c.Status))
			if c.Error != "" {
				l += " — " + sanitize.Line(c.Error)
			}
			out = append(out, fitTrim(l, w))
		}
	}
	return out
}

func statusStyle(st styles, s proposal.Status) interface{ Render(...string) string } {
	switch s {
	case proposal.StatusApplied:
		return st.ok
	case proposal.StatusFailed, proposal.StatusRejected:
		return st.danger
	case proposal.StatusPending, proposal.StatusApproved, proposal.StatusExecuting:
		return st.warn
	}
	return st.dim
}

// ensureDetail re-renders the open card's detail when it or the width changed.
func (c *cardsPane) ensureDetail(w int) {
	p := c.selected()
	if p == nil {
		c.detail = nil
		return
	}
	if c.detailW == w && c.detailHash == p.ID+p.Hash && c.detailStatus == p.Status && c.detail != nil && !c.detailStale(p) {
		return
	}
	c.detail = detailLines(c.st, p, w)
	c.detailW, c.detailHash, c.detailStatus = w, p.ID+p.Hash, p.Status
	c.detailOf = p
}

// detailStale catches updates that keep hash and status (a new approval).
func (c *cardsPane) detailStale(p *proposal.Proposal) bool { return c.detailOf != p }

// detailView is the visible slice of the open card.
func (c *cardsPane) detailView(h int) []string {
	if len(c.detail) == 0 {
		return []string{c.st.dim.Render("No card selected.")}
	}
	start := clampInt(c.detailScroll, 0, max(0, len(c.detail)-h))
	end := min(len(c.detail), start+h)
	return c.detail[start:end]
}

func (c *cardsPane) scrollDetail(n int) {
	c.detailScroll = clampInt(c.detailScroll+n, 0, max(0, len(c.detail)-1))
}

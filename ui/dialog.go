package ui

import (
	"fmt"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

type dialogKind int

const (
	dialogApprove dialogKind = iota
	dialogReject
)

// dialog is a modal question about one card. Keys in its first moments
// are ignored (see Options.InputGuard) so a key meant for something else
// cannot answer it.
type dialog struct {
	kind   dialogKind
	cardID string
	hash   string // the content hash the engineer is looking at
	title  string
	body   []string
	expect string // approve: the name to type for destructive cards
	in     lineInput
	opened time.Time
	err    string
}

func newApproveDialog(p *proposal.Proposal, now time.Time) *dialog {
	d := &dialog{kind: dialogApprove, cardID: p.ID, hash: p.Hash, opened: now, expect: confirmName(p),
		title: "Approve card " + sanitize.Line(p.ID) + "?"}
	d.body = []string{
		sanitize.Line(p.Title),
		fmt.Sprintf("%d change(s) · risk %s · approvals %d of %d", len(p.Changes), p.Risk, len(p.ValidApprovers()), max(1, p.ApprovalsRequired)),
		"",
	}
	if d.expect != "" {
		d.body = append(d.body, "This change is DESTRUCTIVE. Type the name to confirm:", "  "+d.expect)
		d.in = newLineInput("name › ", 512)
	} else {
		d.body = append(d.body, "Press enter to approve, esc to cancel.")
	}
	return d
}

func newRejectDialog(p *proposal.Proposal, now time.Time) *dialog {
	return &dialog{kind: dialogReject, cardID: p.ID, hash: p.Hash, opened: now,
		title: "Reject card " + sanitize.Line(p.ID) + "?",
		body:  []string{sanitize.Line(p.Title), "", "Why? The reason goes back to the agent."},
		in:    newLineInput("reason › ", 1000)}
}

// hasInput reports whether the dialog takes typed text.
func (d *dialog) hasInput() bool { return d.kind == dialogReject || d.expect != "" }

// ready reports whether the guard time has passed.
func (d *dialog) ready(now time.Time, guard time.Duration) bool {
	return !now.Before(d.opened.Add(guard))
}

// check validates the answer before it is sent.
func (d *dialog) check() bool {
	switch {
	case d.kind == dialogApprove && d.expect != "" && d.in.Value() != d.expect:
		d.err = "Type the name exactly as shown to approve."
		return false
	case d.kind == dialogReject && len(d.in.Value()) == 0:
		d.err = "A reason is required: it tells the agent what to do differently."
		return false
	}
	return true
}

// view renders the dialog as a bordered box centered in w x h.
func (m *Model) dialogView(d *dialog, w, h int) []string {
	boxW := clampInt(w-4, 20, 76)
	inner := boxW - 4
	var lines []string
	style := m.st.bold
	if d.kind == dialogApprove && d.expect != "" {
		style = m.st.danger
	}
	lines = append(lines, style.Render(fitTrim(d.title, inner)))
	for _, l := range d.body {
		lines = append(lines, wrapText(l, inner)...)
	}
	if d.hasInput() {
		lines = append(lines, "", d.in.view(inner))
	}
	if d.err != "" {
		lines = append(lines, m.st.danger.Render(fitTrim(d.err, inner)))
	}
	if !d.ready(m.now(), m.opts.InputGuard) {
		lines = append(lines, m.st.dim.Render("(keys are ignored for a moment)"))
	}
	for i, l := range lines {
		lines[i] = fitLine(l, inner)
	}
	box := m.st.box.Width(boxW).Render(joinLines(lines))
	return splitLines(lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box))
}

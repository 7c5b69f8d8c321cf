package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Markdown renders the report for a change ticket. Every string that came
// from Cloudflare, the model or an operator is made inert first: control,
// bidi and zero-width characters are shown as \u{XXXX}, Markdown syntax is
// escaped, and JSON goes into a fence longer than any backtick run inside it.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# driftdeck change report\n\n")
	fmt.Fprintf(&b, "- Period: %s to %s (UTC)\n", mdTime(r.From), mdTime(r.To))
	fmt.Fprintf(&b, "- Generated: %s\n", mdTime(r.GeneratedAt))
	b.WriteString("- Journal chain: " + chainLine(r.Chain) + "\n")
	fmt.Fprintf(&b, "- Proposals: %d\n\n", len(r.Proposals))
	if len(r.Proposals) == 0 {
		b.WriteString("No proposals in this period.\n")
		return b.String()
	}

	b.WriteString("| Proposal | Title | Policy | Approved by | Outcome |\n|---|---|---|---|---|\n")
	for _, p := range r.Proposals {
		var by []string
		for _, a := range p.Approvals {
			by = append(by, inline(a.By))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", inline(p.ID), inline(p.Title),
			inline(lastDecision(p.Policy)), strings.Join(by, ", "), inline(p.Outcome))
	}
	for _, p := range r.Proposals {
		writeProposal(&b, p)
	}
	return b.String()
}

func chainLine(c VerifyResult) string {
	if c.OK {
		return fmt.Sprintf("intact, %d events, head seq %d, head hash `%s`", c.Count, c.HeadSeq, c.HeadHash)
	}
	fb := c.FirstBroken
	return fmt.Sprintf("**BROKEN** at seq %d (%s, %s): %s — %s; %d events verified before it",
		fb.Seq, inline(fb.Type), mdTime(fb.Time), fb.Reason, inline(fb.Detail), c.Count)
}

func lastDecision(checks []PolicyCheck) string {
	if len(checks) == 0 {
		return "none recorded"
	}
	c := checks[len(checks)-1]
	if c.Decision == "require_approvals" {
		return fmt.Sprintf("%s (%d)", c.Decision, c.ApprovalsRequired)
	}
	return c.Decision
}

func writeProposal(b *strings.Builder, p ProposalRecord) {
	fmt.Fprintf(b, "\n## %s — %s\n\n", inline(p.ID), inline(p.Title))
	fmt.Fprintf(b, "- Created by %s at %s; effect %s, risk %s\n", orDash(p.CreatedBy), mdTime(p.CreatedAt), orDash(p.Effect), orDash(p.Risk))
	if p.Asked != "" {
		fmt.Fprintf(b, "- Asked: %s\n", inline(p.Asked))
	}
	if p.Rationale != "" {
		fmt.Fprintf(b, "- Rationale: %s\n", inline(p.Rationale))
	}
	for _, c := range p.Policy {
		phase := c.Phase
		if phase == "" {
			phase = "policy"
		}
		fmt.Fprintf(b, "- Policy (%s, %s): %s, %d approval(s) required", inline(phase), mdTime(c.At), inline(c.Decision), c.ApprovalsRequired)
		for _, reason := range c.Reasons {
			b.WriteString("; " + inline(reason))
		}
		b.WriteString("\n")
	}
	if p.Review != nil {
		fmt.Fprintf(b, "- Review: risk %s", inline(p.Review.Risk))
		for _, c := range p.Review.Concerns {
			b.WriteString("; " + inline(c))
		}
		b.WriteString("\n")
	}
	for _, a := range p.Approvals {
		fmt.Fprintf(b, "- Approved by %s at %s\n", inline(a.By), mdTime(a.At))
	}
	if p.Rejection != nil {
		fmt.Fprintf(b, "- Rejected by %s at %s: %s\n", inline(p.Rejection.By), mdTime(p.Rejection.At), inline(p.Rejection.Reason))
	}
	if x := p.Execution; x != nil {
		fmt.Fprintf(b, "- Execution: started %s by %s, finished %s, status %s", mdTime(x.StartedAt), inline(x.StartedBy), mdTime(x.FinishedAt), inline(x.Status))
		if x.Error != "" {
			b.WriteString(", error: " + inline(x.Error))
		}
		if x.Reconciled != "" {
			b.WriteString(", reconciled: " + inline(x.Reconciled))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "- Outcome: %s (journal events %s)\n", inline(p.Outcome), seqList(p.Seqs))
	if len(p.Changes) > 0 {
		b.WriteString("\nChanges:\n\n")
		writeJSONFence(b, p.Changes)
	}
}

func seqList(seqs []int64) string {
	parts := make([]string, len(seqs))
	for i, s := range seqs {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

func writeJSONFence(b *strings.Builder, raw json.RawMessage) {
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		pretty.Reset()
		pretty.Write(raw)
	}
	text := visible(pretty.String(), true)
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	b.WriteString(fence + "json\n" + text + "\n" + fence + "\n")
}

func longestRun(s string, c rune) int {
	best, cur := 0, 0
	for _, r := range s {
		if r == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

func mdTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return inline(s)
}

// inline makes untrusted text safe for one line of Markdown.
func inline(s string) string {
	s = visible(s, false)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#!~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// visible replaces characters that could act on a terminal or hide text
// (controls, bidi controls, zero-width characters) with \u{XXXX}; keepNewlines
// keeps '\n' for multi-line blocks.
func visible(s string, keepNewlines bool) string {
	var b strings.Builder
	for _, r := range s {
		if (r == '\n' && keepNewlines) || !hiddenRune(r) {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, `\u{%04X}`, r)
	}
	return b.String()
}

func hiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x2069, r == 0xFEFF:
		return true
	case unicode.Is(unicode.Cf, r):
		return true
	}
	return false
}

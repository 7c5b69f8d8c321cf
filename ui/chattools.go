package ui

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// toolCall is one tool call of a turn as the chat shows it: one line by
// default ("⚙ list_dns_records zone=example.com → 12 rows"), arguments and
// the start of the result when expanded.
type toolCall struct {
	name   string
	args   json.RawMessage
	result *agent.ToolResult
}

// argSummary renders arguments as sorted key=value pairs, values shortened.
func argSummary(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := m[k].(type) {
		case string:
			v = x
		default:
			b, _ := json.Marshal(x)
			v = string(b)
		}
		if r := []rune(v); len(r) > 40 {
			v = string(r[:39]) + "…"
		}
		parts = append(parts, k+"="+v)
	}
	return sanitize.Line(strings.Join(parts, " "))
}

// resultSummary says in a few words what a tool returned.
func resultSummary(r *agent.ToolResult) string {
	if r == nil {
		return "…"
	}
	if r.IsError {
		first, _, _ := strings.Cut(strings.TrimSpace(r.Content), "\n")
		return "error: " + sanitize.Line(first)
	}
	if r.ProposalID != "" {
		return "card " + sanitize.Line(r.ProposalID)
	}
	c := r.Content
	if i := strings.Index(c, "<untrusted-data"); i >= 0 {
		body := c[i:]
		if j := strings.Index(body, "</untrusted-data>"); j >= 0 {
			body = body[:j]
		}
		n := strings.Count(body, "\n") - 2 // the open tag line and the header
		if n < 0 {
			n = 0
		}
		return fmt.Sprintf("%d rows", n)
	}
	n := strings.Count(strings.TrimSpace(c), "\n") + 1
	if strings.TrimSpace(c) == "" {
		n = 0
	}
	return fmt.Sprintf("%d lines", n)
}

func (t *toolCall) summary() string {
	s := "⚙ " + sanitize.Line(t.name)
	if a := argSummary(t.args); a != "" {
		s += " " + a
	}
	return s + " → " + resultSummary(t.result)
}

func (t *toolCall) lines(st styles, w int, expanded bool) []string {
	style := st.dim
	if t.result != nil && t.result.IsError {
		style = st.warn
	}
	out := []string{style.Render(fitTrim(t.summary(), w))}
	if !expanded {
		return out
	}
	if len(t.args) > 0 {
		out = append(out, st.dim.Render("  args: ")+fitTrim(sanitize.Line(string(t.args)), w-8))
	}
	if t.result != nil {
		body := strings.Split(sanitize.Text(strings.TrimSpace(t.result.Content)), "\n")
		const maxLines = 12
		for i, l := range body {
			if i == maxLines {
				out = append(out, st.dim.Render(fmt.Sprintf("  … %d more lines", len(body)-maxLines)))
				break
			}
			out = append(out, "  "+fitTrim(strings.ReplaceAll(l, "\t", " "), w-2))
		}
	}
	return out
}

// fitTrim cuts a plain line to w cells without padding.
func fitTrim(s string, w int) string {
	if widthOf(s) <= w {
		return s
	}
	return strings.TrimRight(fitLine(s, max(w, 1)), " ")
}

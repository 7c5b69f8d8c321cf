package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// flatten turns a JSON document into field paths and display values
// ("ratelimit.period" -> "60"). Lists stay one value.
func flatten(raw json.RawMessage) (map[string]string, bool) {
	out := map[string]string{}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return out, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		out["(raw)"] = string(raw)
		return out, true
	}
	flattenInto(out, "", v)
	return out, true
}

func flattenInto(out map[string]string, prefix string, v any) {
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		for k, x := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flattenInto(out, p, x)
		}
		return
	}
	if prefix == "" {
		prefix = "value"
	}
	switch x := v.(type) {
	case string:
		out[prefix] = x
	default:
		b, _ := json.Marshal(x)
		out[prefix] = string(b)
	}
}

// fieldRank puts identifying fields first.
var fieldRank = map[string]int{"id": 0, "type": 1, "name": 2, "description": 2, "script_name": 2, "content": 3, "value": 3, "expression": 4, "action": 5, "enabled": 6}

func sortFields(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		ri, iok := fieldRank[keys[i]]
		rj, jok := fieldRank[keys[j]]
		if !iok {
			ri = 50
		}
		if !jok {
			rj = 50
		}
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
}

// showValue makes an untrusted value safe and short for one line.
func showValue(field, v string, w int) string {
	var s string
	if field == "name" || strings.HasSuffix(field, "pattern") || field == "zone" {
		s = sanitize.Hostname(v)
	} else {
		s = sanitize.Line(v)
	}
	if r := []rune(s); len(r) > w && w > 12 {
		s = string(r[:w-12]) + fmt.Sprintf("…(%d chars)", len(r))
	}
	return s
}

// changeLines renders one change as a field-level before -> after diff.
func changeLines(st styles, n int, ch infra.Change, w int) []string {
	head := fmt.Sprintf("%d. %s %s %s", n, sanitize.Line(string(ch.Kind)), sanitize.Hostname(ch.Zone), sanitize.Line(ch.Target))
	lines := []string{st.bold.Render(fitTrim(head, w))}
	before, hasBefore := flatten(ch.Before)
	after, hasAfter := flatten(ch.After)
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	sortFields(keys)
	valW := max(16, w-8)
	for _, k := range keys {
		b, inB := before[k]
		a, inA := after[k]
		switch {
		case inB && inA && a == b:
			if _, ident := fieldRank[k]; ident && fieldRank[k] <= 2 {
				lines = append(lines, st.dim.Render(fitTrim(fmt.Sprintf("     %s: %s", k, showValue(k, a, valW)), w)))
			}
		case inB && inA:
			half := max(8, (valW-len(k)-4)/2)
			lines = append(lines, fitTrim(fmt.Sprintf("   ~ %s: %s → %s", k,
				st.del.Render(showValue(k, b, half)), st.add.Render(showValue(k, a, half))), w))
		case inB:
			lines = append(lines, st.del.Render(fitTrim(fmt.Sprintf("   - %s: %s", k, showValue(k, b, valW)), w)))
		default:
			lines = append(lines, st.add.Render(fitTrim(fmt.Sprintf("   + %s: %s", k, showValue(k, a, valW)), w)))
		}
	}
	switch {
	case !hasBefore && !hasAfter:
		lines = append(lines, st.dim.Render("     (no details)"))
	case !hasAfter:
		lines = append(lines, st.del.Render("     deleted"))
	case !hasBefore:
		lines = append(lines, st.add.Render("     created"))
	}
	return lines
}

// isDestructive reports whether a change removes something.
func isDestructive(k infra.ChangeKind) bool {
	return k == infra.DNSDelete || k == infra.FirewallDelete
}

// confirmName is what the engineer must type to approve a destructive card:
// the record's name (as displayed, sanitized) or the change target; "" for
// cards that are not destructive.
func confirmName(p *proposal.Proposal) string {
	var ch *infra.Change
	for i := range p.Changes {
		if isDestructive(p.Changes[i].Kind) {
			ch = &p.Changes[i]
			break
		}
	}
	if ch == nil && p.Effect == proposal.EffectDestructive && len(p.Changes) > 0 {
		ch = &p.Changes[0]
	}
	if ch == nil {
		if p.Effect == proposal.EffectDestructive {
			return sanitize.Line(p.ID)
		}
		return ""
	}
	before, _ := flatten(ch.Before)
	if n := before["name"]; n != "" {
		return sanitize.Hostname(n)
	}
	if n := before["description"]; n != "" {
		return sanitize.Line(n)
	}
	if n := before["script_name"]; n != "" {
		return sanitize.Line(n)
	}
	return sanitize.Line(ch.Target)
}

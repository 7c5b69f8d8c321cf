package ui

import (
	"fmt"
	"strings"
)

// helpLines lists every active binding by context. It reads the same
// Keymap that dispatch uses, so it shows exactly the keys that work.
func helpLines(st styles, k Keymap) []string {
	var out []string
	for _, ctx := range contextOrder {
		bs := k.In(ctx)
		if len(bs) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.title.Render(strings.ToUpper(string(ctx))))
		for _, b := range bs {
			keys := fmt.Sprintf("%-16s", strings.Join(b.Keys, ", "))
			out = append(out, "  "+st.key.Render(keys)+" "+b.Help)
		}
	}
	return out
}

// helpView lays the help out in as many columns as the width allows.
func (m *Model) helpView(w, h int) []string {
	lines := helpLines(m.st, m.keys)
	title := "Keys (esc closes)"
	if m.status.ReadOnly {
		title += " · READ-ONLY: keys that decide or write are not bound"
	}
	head := []string{m.st.bold.Render(title), ""}
	room := max(1, h-len(head))
	const colW = 56
	cols := max(1, min(w/colW, (len(lines)+room-1)/room))
	perCol := (len(lines) + cols - 1) / cols
	if cols == 1 {
		start := clampInt(m.helpScroll, 0, max(0, len(lines)-room))
		end := min(len(lines), start+room)
		return append(head, lines[start:end]...)
	}
	out := head
	for r := 0; r < perCol && r < room; r++ {
		var b strings.Builder
		for c := 0; c < cols; c++ {
			i := c*perCol + r
			cell := ""
			if i < len(lines) {
				cell = lines[i]
			}
			b.WriteString(fitLine(cell, colW))
		}
		out = append(out, b.String())
	}
	return out
}

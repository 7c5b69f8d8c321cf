package ui

import (
	"fmt"
	"regexp"
	"strings"

	"charm.land/glamour/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// markdown renders model markdown with glamour, one renderer per width.
// Input is sanitized before glamour sees it, and numeric character
// references are defused so "&#27;" cannot become a raw ESC after parsing.
type markdown struct {
	style   []glamour.TermRendererOption
	noColor bool
	byWidth map[int]*glamour.TermRenderer
	renders int // glamour calls so far: lets tests see what was re-rendered
}

func newMarkdown(style string, noColor bool) *markdown {
	return &markdown{style: sixteenColorStyle(style), noColor: noColor, byWidth: map[int]*glamour.TermRenderer{}}
}

var numericEntity = regexp.MustCompile(`&#([0-9]|[xX][0-9a-fA-F])`)

// safeMarkdown is what glamour may parse: sanitized, entities defused.
func safeMarkdown(md string) string {
	md = sanitize.Text(md)
	if strings.Contains(md, "&#") {
		md = numericEntity.ReplaceAllString(md, "&amp;#$1")
	}
	return md
}

func (m *markdown) renderer(w int) *glamour.TermRenderer {
	if r, ok := m.byWidth[w]; ok {
		return r
	}
	r, err := glamour.NewTermRenderer(append([]glamour.TermRendererOption{glamour.WithWordWrap(w)}, m.style...)...)
	if err != nil {
		r = nil
	}
	if len(m.byWidth) > 8 { // widths of old terminal sizes are not needed again
		clear(m.byWidth)
	}
	m.byWidth[w] = r
	return r
}

// render turns one chunk of markdown into lines at most w cells wide.
func (m *markdown) render(md string, w int) []string {
	safe := safeMarkdown(md)
	if strings.TrimSpace(safe) == "" {
		return nil
	}
	r := m.renderer(max(w, 20))
	if r == nil {
		return wrapText(safe, w)
	}
	m.renders++
	out, err := renderSafely(r, safe)
	if err != nil {
		return wrapText(safe, w)
	}
	if m.noColor {
		out = ansi.Strip(out)
	}
	lines := trimBlank(strings.Split(out, "\n"))
	for i, l := range lines {
		lines[i] = trimPadding(l)
	}
	return lines
}

// trimPadding drops the trailing spaces glamour pads every line with (each
// wrapped in its own colour sequence), keeping cached lines short; a reset
// closes whatever style was open.
func trimPadding(l string) string {
	end := len(l)
	for end > 0 {
		if l[end-1] == ' ' {
			end--
			continue
		}
		if l[end-1] == 'm' {
			i := end - 2
			for i >= 0 && (l[i] == ';' || (l[i] >= '0' && l[i] <= '9')) {
				i--
			}
			if i >= 1 && l[i] == '[' && l[i-1] == '\x1b' {
				end = i - 1
				continue
			}
		}
		break
	}
	if end == len(l) {
		return l
	}
	if strings.IndexByte(l[:end], '\x1b') >= 0 {
		return l[:end] + "\x1b[m"
	}
	return l[:end]
}

// renderSafely turns a panic inside the markdown renderer (on input the
// model chose) into an error, so the answer falls back to plain text
// instead of taking the console down.
func renderSafely(r *glamour.TermRenderer, md string) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("render markdown: %v", p)
		}
	}()
	return r.Render(md)
}

// trimBlank drops the blank lines glamour puts around a document.
func trimBlank(lines []string) []string {
	isBlank := func(l string) bool { return strings.TrimSpace(ansi.Strip(l)) == "" }
	for len(lines) > 0 && isBlank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && isBlank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// stableCut returns how many bytes of md form finished blocks: everything up
// to the last blank line outside a fenced code block. The text after it is
// the paragraph still being written.
func stableCut(md string) int {
	cut, inFence := 0, false
	fence := ""
	for pos := 0; pos < len(md); {
		nl := strings.IndexByte(md[pos:], '\n')
		if nl < 0 {
			break // an unfinished line is never stable
		}
		line := md[pos : pos+nl]
		pos += nl + 1
		t := strings.TrimSpace(line)
		switch {
		case inFence:
			if strings.HasPrefix(t, fence) {
				inFence = false
			}
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			inFence, fence = true, t[:3]
		case t == "":
			cut = pos
		}
	}
	return cut
}

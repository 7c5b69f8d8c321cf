package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// styles holds every style the console uses. Colours are ANSI 16-palette
// indexes so a 16-colour terminal shows them as meant; with NoColor every
// style is empty and nothing emits an escape sequence.
type styles struct {
	noColor    bool
	title      lipgloss.Style
	focusTitle lipgloss.Style
	dim        lipgloss.Style
	bold       lipgloss.Style
	selected   lipgloss.Style
	add        lipgloss.Style
	del        lipgloss.Style
	warn       lipgloss.Style
	danger     lipgloss.Style
	ok         lipgloss.Style
	tabActive  lipgloss.Style
	tabIdle    lipgloss.Style
	bar        lipgloss.Style
	badge      lipgloss.Style
	key        lipgloss.Style
	box        lipgloss.Style
}

func newStyles(noColor bool) styles {
	if noColor {
		plain := lipgloss.NewStyle()
		return styles{noColor: true, title: plain, focusTitle: plain, dim: plain, bold: plain, selected: plain,
			add: plain, del: plain, warn: plain, danger: plain, ok: plain, tabActive: plain, tabIdle: plain,
			bar: plain, badge: plain, key: plain,
			box: lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1)}
	}
	c := lipgloss.Color
	return styles{
		title:      lipgloss.NewStyle().Bold(true).Foreground(c("7")),
		focusTitle: lipgloss.NewStyle().Bold(true).Foreground(c("0")).Background(c("6")),
		dim:        lipgloss.NewStyle().Foreground(c("8")),
		bold:       lipgloss.NewStyle().Bold(true),
		selected:   lipgloss.NewStyle().Reverse(true),
		add:        lipgloss.NewStyle().Foreground(c("2")),
		del:        lipgloss.NewStyle().Foreground(c("1")),
		warn:       lipgloss.NewStyle().Foreground(c("3")),
		danger:     lipgloss.NewStyle().Bold(true).Foreground(c("9")),
		ok:         lipgloss.NewStyle().Foreground(c("10")),
		tabActive:  lipgloss.NewStyle().Bold(true).Foreground(c("0")).Background(c("6")),
		tabIdle:    lipgloss.NewStyle().Foreground(c("7")),
		bar:        lipgloss.NewStyle().Foreground(c("15")).Background(c("4")),
		badge:      lipgloss.NewStyle().Bold(true).Foreground(c("15")).Background(c("1")),
		key:        lipgloss.NewStyle().Bold(true).Foreground(c("14")),
		box:        lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(c("6")).Padding(0, 1),
	}
}

// fit makes lines exactly h lines of exactly w cells: long lines are cut
// with an ellipsis, short ones padded, missing ones blank.
func fit(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := 0; i < h; i++ {
		var l string
		if i < len(lines) {
			l = lines[i]
		}
		out[i] = fitLine(l, w)
	}
	return out
}

// fitLine cuts or pads one line to exactly w cells.
func fitLine(l string, w int) string {
	if w <= 0 {
		return ""
	}
	lw := ansi.StringWidth(l)
	if lw > w {
		l = ansi.Truncate(l, w, "…")
		lw = ansi.StringWidth(l)
	}
	if lw < w {
		l += strings.Repeat(" ", w-lw)
	}
	return l
}

// wrapText wraps plain (already sanitized) text to w cells.
func wrapText(s string, w int) []string {
	if w < 10 {
		w = 10
	}
	return strings.Split(ansi.Wrap(s, w, " -/"), "\n")
}

func clampInt(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return max(lo, min(v, hi))
}

func widthOf(s string) int { return ansi.StringWidth(s) }

// safeLine is untrusted multi-line text for wrapping: sanitized, tabs as spaces.
func safeLine(s string) string {
	return strings.ReplaceAll(sanitize.Text(s), "\t", "    ")
}

package ui

import (
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// lineInput is a one-line editor. It renders itself without styles, so the
// palette, filters, dialogs and the chat box look the same with NO_COLOR.
type lineInput struct {
	prompt string
	value  []rune
	limit  int
}

func newLineInput(prompt string, limit int) lineInput {
	return lineInput{prompt: prompt, limit: limit}
}

func (l *lineInput) Value() string { return string(l.value) }

func (l *lineInput) Reset() { l.value = l.value[:0] }

// edit applies an editing key; it reports whether the key was used.
func (l *lineInput) edit(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "backspace", "ctrl+h":
		if len(l.value) > 0 {
			l.value = l.value[:len(l.value)-1]
		}
		return true
	case "ctrl+u":
		l.value = l.value[:0]
		return true
	case "ctrl+w":
		s := strings.TrimRight(string(l.value), " ")
		if i := strings.LastIndex(s, " "); i >= 0 {
			l.value = []rune(s[:i+1])
		} else {
			l.value = l.value[:0]
		}
		return true
	}
	if msg.Text == "" || msg.Mod.Contains(tea.ModCtrl) || msg.Mod.Contains(tea.ModAlt) {
		return false
	}
	l.insert(msg.Text)
	return true
}

// insert adds typed or pasted text; newlines and other controls become
// spaces so a paste cannot smuggle an escape sequence into the view.
func (l *lineInput) insert(s string) {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			r = ' '
		}
		if l.limit > 0 && len(l.value) >= l.limit {
			return
		}
		l.value = append(l.value, r)
	}
}

// view renders prompt, value (tail kept when too long) and a block cursor.
func (l *lineInput) view(w int) string {
	v := l.value
	room := w - utf8.RuneCountInString(l.prompt) - 1
	if room < 1 {
		room = 1
	}
	if len(v) > room {
		v = v[len(v)-room:]
	}
	return l.prompt + sanitize.Line(string(v)) + "█"
}

package ui

import (
	"strings"
)

type entryKind int

const (
	entryUser entryKind = iota
	entryAssistant
	entryTool
	entryNotice
	entryError
)

// entry is one item of the transcript with its rendering cached for one
// width. Finished entries are rendered once per width; the streaming answer
// keeps its finished blocks (stable prefix) and re-renders only its tail.
type entry struct {
	kind  entryKind
	raw   string
	width int // width lines were rendered for; 0 = not rendered
	lines []string

	// streaming answer state
	streaming bool
	stableEnd int      // bytes of raw rendered as finished blocks
	stable    []string // their lines
	tail      []string // the unfinished tail's lines
	dirty     bool     // raw grew since the last render

	tool *toolCall
}

// transcript is the chat history and its scroll position.
type transcript struct {
	entries  []*entry
	offset   int // lines scrolled up from the bottom; 0 follows the newest
	expanded bool
}

func (t *transcript) add(e *entry) {
	t.entries = append(t.entries, e)
}

// streamingEntry returns the answer being written, creating it on first text.
func (t *transcript) streamingEntry(create bool) *entry {
	if n := len(t.entries); n > 0 && t.entries[n-1].streaming {
		return t.entries[n-1]
	}
	if !create {
		return nil
	}
	e := &entry{kind: entryAssistant, streaming: true}
	t.add(e)
	return e
}

// appendDelta adds streamed text; rendering waits for the next flush.
func (t *transcript) appendDelta(text string) {
	e := t.streamingEntry(true)
	e.raw += text
	e.dirty = true
}

// endStream marks the streaming answer finished (its tail becomes stable on
// the next render).
func (t *transcript) endStream() {
	if e := t.streamingEntry(false); e != nil {
		e.streaming = false
		e.dirty = true
	}
}

// renderEntry brings e's lines up to date for width w.
func (c *chatPane) renderEntry(e *entry, w int) {
	if e.width == w && !e.dirty {
		return
	}
	switch e.kind {
	case entryAssistant:
		c.renderAnswer(e, w)
	case entryTool:
		e.lines = e.tool.lines(c.st, w, c.tr.expanded)
	case entryUser:
		e.lines = prefixLines(c.st.bold.Render("you › "), wrapText(safeLine(e.raw), w-6))
	case entryNotice:
		e.lines = prefixLines(c.st.dim.Render("ⓘ "), wrapText(safeLine(e.raw), w-2))
	case entryError:
		e.lines = prefixLines(c.st.danger.Render("✗ "), wrapText(safeLine(e.raw), w-2))
	}
	e.width, e.dirty = w, false
}

// renderAnswer renders newly finished blocks once and the unfinished tail.
func (c *chatPane) renderAnswer(e *entry, w int) {
	if e.width != w { // a new width invalidates every cached block
		e.stableEnd, e.stable = 0, nil
	}
	rest := e.raw[e.stableEnd:]
	cut := len(rest)
	if e.streaming {
		cut = stableCut(rest)
	}
	if cut > 0 {
		block := c.md.render(rest[:cut], w)
		if len(block) > 0 {
			if len(e.stable) > 0 {
				e.stable = append(e.stable, "")
			}
			e.stable = append(e.stable, block...)
		}
		e.stableEnd += cut
	}
	e.tail = nil
	if e.streaming && e.stableEnd < len(e.raw) {
		e.tail = c.md.render(e.raw[e.stableEnd:], w)
	}
	lines := make([]string, 0, len(e.stable)+len(e.tail)+1)
	lines = append(lines, e.stable...)
	if len(e.tail) > 0 && len(lines) > 0 {
		lines = append(lines, "")
	}
	lines = append(lines, e.tail...)
	if e.streaming {
		lines = append(lines, c.st.dim.Render("▍"))
	}
	e.lines = lines
}

func prefixLines(prefix string, lines []string) []string {
	pad := strings.Repeat(" ", widthOf(prefix))
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = prefix + l
		} else {
			out[i] = pad + l
		}
	}
	return out
}

// window returns the h lines visible at the current scroll offset.
func (t *transcript) window(h int) []string {
	if h <= 0 {
		return nil
	}
	need := t.offset + h
	var rev []string // lines from the bottom up
	for i := len(t.entries) - 1; i >= 0 && len(rev) < need; i-- {
		e := t.entries[i]
		if len(rev) > 0 {
			rev = append(rev, "")
		}
		for j := len(e.lines) - 1; j >= 0 && len(rev) < need; j-- {
			rev = append(rev, e.lines[j])
		}
	}
	offset := min(t.offset, max(0, len(rev)-h)) // scrolled past the top: clamp
	start := offset
	end := min(len(rev), offset+h)
	out := make([]string, 0, h)
	for j := end - 1; j >= start; j-- {
		out = append(out, rev[j])
	}
	return out
}

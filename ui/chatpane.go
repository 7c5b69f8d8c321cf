package ui

import (
	"fmt"
	"strings"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// chatPane is the conversation with the model.
type chatPane struct {
	st styles
	md *markdown
	tr transcript
	in lineInput

	composing bool
	asking    bool
	turnText  bool // the current turn streamed answer text
	thinking  bool

	pulling    bool
	pullStatus string
	pullDone   int64
	pullTotal  int64

	width, height int // the transcript area last prepared
}

func newChatPane(st styles, md *markdown) *chatPane {
	return &chatPane{st: st, md: md, in: newLineInput("› ", 4000)}
}

// chatUsable reports whether the model can answer.
func chatUsable(s Status) bool { return s.ModelState == ModelReady || s.ModelState == "" }

// banner says why chat does not work and exactly what to run.
func (c *chatPane) banner(s Status, w int) []string {
	model := sanitize.Line(s.Model)
	hint := strings.TrimSuffix(sanitize.Line(s.ModelHint), ".")
	if hint == "" {
		hint = "see `driftdeck --help`"
	}
	var text string
	switch s.ModelState {
	case ModelUnreachable:
		text = "Chat is unavailable: Ollama is not reachable — " + hint + ". Drift, anomalies and cards still work."
	case ModelMissing:
		text = fmt.Sprintf("Model %s is not installed — %s, or press P to pull it now.", model, hint)
	case ModelNoTools:
		text = fmt.Sprintf("Model %s cannot call tools — %s.", model, hint)
	case ModelPulling:
		text = fmt.Sprintf("Pulling model %s…", model)
	default:
		if !c.pulling {
			return nil
		}
		text = fmt.Sprintf("Pulling model %s…", model)
	}
	lines := prefixLines(c.st.warn.Render("! "), wrapText(text, w-2))
	if c.pulling || s.ModelState == ModelPulling {
		pct := 0.0
		if c.pullTotal > 0 {
			pct = float64(c.pullDone) / float64(c.pullTotal)
		}
		bar := progressBar(c.st, pct, clampInt(w-24, 10, 60))
		lines = append(lines, fmt.Sprintf("  %s %3.0f%% %s", bar, pct*100, sanitize.Line(c.pullStatus)))
	}
	return append(lines, "")
}

// inputLine is the bottom line: the message being typed or what to press.
func (c *chatPane) inputLine(s Status, w int) string {
	switch {
	case c.composing:
		return c.in.view(w)
	case c.asking && c.thinking:
		return c.st.dim.Render("thinking… (esc stops)")
	case c.asking:
		return c.st.dim.Render("answering… (esc stops)")
	case !chatUsable(s):
		return c.st.dim.Render("chat is unavailable (see above)")
	}
	return c.st.dim.Render("press i to write a message")
}

// areaHeight is how many transcript lines fit under the banner.
func (c *chatPane) areaHeight(s Status, w, h int) int {
	return max(0, h-len(c.banner(s, w))-1)
}

// view renders the pane body in w x h.
func (c *chatPane) view(s Status, w, h int) []string {
	ban := c.banner(s, w)
	area := max(0, h-len(ban)-1)
	lines := make([]string, 0, h)
	lines = append(lines, ban...)
	win := c.tr.window(area)
	for i := len(win); i < area; i++ {
		lines = append(lines, "")
	}
	lines = append(lines, win...)
	if c.tr.offset > 0 && len(lines) > len(ban) {
		lines[len(ban)] = c.st.dim.Render(fmt.Sprintf("↑ scrolled %d lines (G follows the newest)", c.tr.offset))
	}
	lines = append(lines, c.inputLine(s, w))
	return lines
}

// prepare renders what the visible window needs; the streaming answer is
// left to flush unless its width changed.
func (c *chatPane) prepare(w, h int) {
	c.width, c.height = w, h
	need := c.tr.offset + h
	got := 0
	for i := len(c.tr.entries) - 1; i >= 0 && got < need; i-- {
		e := c.tr.entries[i]
		if !(e.streaming && e.width == w) {
			c.renderEntry(e, w)
		}
		got += len(e.lines) + 1
	}
}

// flush re-renders the streaming answer's tail if text arrived.
func (c *chatPane) flush() {
	if e := c.tr.streamingEntry(false); e != nil && e.dirty && c.width > 0 {
		c.renderEntry(e, c.width)
	}
}

// handleEvent applies one session event to the transcript.
func (c *chatPane) handleEvent(ev agent.Event) {
	switch ev.Kind {
	case agent.EventText:
		c.thinking, c.turnText = false, true
		c.tr.appendDelta(ev.Text)
	case agent.EventThinking:
		c.thinking = true
	case agent.EventToolStart:
		c.tr.endStream()
		c.tr.add(&entry{kind: entryTool, tool: &toolCall{name: ev.Tool, args: ev.Arguments}})
	case agent.EventToolEnd:
		for i := len(c.tr.entries) - 1; i >= 0; i-- {
			e := c.tr.entries[i]
			if e.kind == entryTool && e.tool.result == nil && e.tool.name == ev.Tool && string(e.tool.args) == string(ev.Arguments) {
				e.tool.result = ev.Result
				e.dirty = true
				break
			}
		}
	case agent.EventProposal:
		c.tr.add(&entry{kind: entryNotice, raw: "card " + ev.ProposalID + " created: review it in the cards pane (2)"})
	case agent.EventNotice:
		c.tr.endStream()
		c.tr.add(&entry{kind: entryNotice, raw: ev.Text})
	}
}

// scroll moves the window by n lines (positive = up, into the past).
func (c *chatPane) scroll(n int) {
	c.tr.offset = max(0, c.tr.offset+n)
	if n > 0 && !c.hasLinesAbove() {
		c.tr.offset -= n
		c.tr.offset = max(0, c.tr.offset)
	}
}

// hasLinesAbove reports whether the window at offset still has content
// (entries not yet rendered count as content).
func (c *chatPane) hasLinesAbove() bool {
	total := 0
	for i := len(c.tr.entries) - 1; i >= 0; i-- {
		e := c.tr.entries[i]
		if e.width == 0 {
			return true
		}
		total += len(e.lines) + 1
		if total >= c.tr.offset+c.height {
			return true
		}
	}
	return false
}

func (c *chatPane) toggleTools() {
	c.tr.expanded = !c.tr.expanded
	for _, e := range c.tr.entries {
		if e.kind == entryTool {
			e.dirty = true
		}
	}
}

// progressBar draws a bar of width cells filled to pct (0..1).
// (bubbles/progress needs github.com/charmbracelet/harmonica, which is not
// in go.sum; this keeps the dependency set as it is.)
func progressBar(st styles, pct float64, width int) string {
	pct = max(0, min(pct, 1))
	full := int(pct*float64(width) + 0.5)
	return st.ok.Render(strings.Repeat("█", full)) + st.dim.Render(strings.Repeat("░", width-full))
}

func (c *chatPane) hasAnswerText() bool { return c.turnText }

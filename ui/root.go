package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

type pane int

const (
	paneChat pane = iota
	paneCards
	paneDrift
	paneAnomaly
	paneCount
)

// Model is the console's root model. It is used through a pointer: panes
// keep render caches that must survive between Update and View.
type Model struct {
	eng    Engine
	opts   Options
	st     styles
	ctx    context.Context
	cancel context.CancelFunc
	sub    *bus.Subscription

	bindings []Binding
	keys     Keymap
	status   Status

	width, height int
	focus         pane
	zone          string

	chat  *chatPane
	cards *cardsPane
	drift *driftPane
	anom  *anomalyPane

	help       bool
	helpScroll int
	prompt     *promptState
	dlg        *dialog
	flash      string
	flashAt    time.Time

	eventSeq    int            // bus events applied so far
	cardTouched map[string]int // card id -> eventSeq of its last bus update

	lastRefresh  time.Time
	guardUntil   time.Time // approve/reject keys are ignored until then
	askCancel    context.CancelFunc
	askStream    *askStream
	flushPending bool
}

// New returns the root model over eng. It subscribes to the engine's
// events at once so nothing published after New is missed.
func New(eng Engine, opts Options) tea.Model {
	return newModel(eng, opts)
}

func newModel(eng Engine, opts Options) *Model {
	opts = opts.withDefaults()
	st := newStyles(opts.NoColor)
	ctx, cancel := context.WithCancel(context.Background())
	m := &Model{eng: eng, opts: opts, st: st, ctx: ctx, cancel: cancel,
		bindings: DefaultBindings(), focus: paneChat, cardTouched: map[string]int{}}
	m.chat = newChatPane(st, newMarkdown(opts.GlamourStyle, opts.NoColor))
	m.cards = newCardsPane(st)
	m.drift = newDriftPane(st)
	m.anom = newAnomalyPane(st)
	m.setStatus(eng.Status())
	m.sub = eng.Subscribe()
	return m
}

func (m *Model) now() time.Time { return m.opts.Now() }

// Init loads the card queue and starts reading events.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadProposals(), clockTick()}
	if m.sub != nil {
		cmds = append(cmds, waitEvent(m.ctx, m.sub))
	}
	return tea.Batch(cmds...)
}

func (m *Model) setStatus(s Status) {
	m.drift.hint = s.DriftHint
	ro := m.keys.bindings == nil || m.status.ReadOnly != s.ReadOnly
	m.status = s
	if ro {
		m.keys = NewKeymap(m.bindings, s.ReadOnly)
	}
	if s.ReadOnly && m.dlg != nil {
		m.dlg = nil
		m.setFlash("read-only mode: decisions are disabled")
	}
	if s.ModelState != ModelPulling && s.ModelState != ModelMissing {
		m.chat.pulling = false
	}
}

func (m *Model) setFlash(s string) {
	m.flash, m.flashAt = s, m.now()
}

func (m *Model) quit() tea.Cmd {
	if m.askCancel != nil {
		m.askCancel()
	}
	m.cancel()
	if m.sub != nil {
		m.sub.Close()
	}
	return tea.Quit
}

// Update applies one message. Engine calls happen only in returned Cmds.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.afterUpdate()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.PasteMsg:
		m.paste(msg.Content)
	case busMsg:
		m.handleEvent(msg.ev)
		return waitEvent(m.ctx, m.sub) // re-arm: every event is read, in order
	case busClosedMsg:
		return nil
	case proposalsMsg:
		if msg.err != nil {
			m.setFlash("could not load cards: " + sanitize.Line(msg.err.Error()))
			return nil
		}
		m.cards.merge(msg.list, m.cardTouched, msg.seq)
	case askMsg:
		return m.handleAsk(msg)
	case flushMsg:
		m.flushPending = false
		m.chat.flush()
	case pullMsg:
		return m.handlePull(msg)
	case statusMsg:
		m.setStatus(msg.status)
	case actionMsg:
		if msg.err != nil {
			m.setFlash("could not " + msg.fail + ": " + sanitize.Line(msg.err.Error()))
			return nil
		}
		m.setFlash(msg.ok)
		return m.loadProposals()
	case revertMsg:
		if msg.err != nil {
			m.setFlash(sanitize.Line(msg.err.Error()))
			return nil
		}
		if msg.p != nil {
			m.cards.upsert(msg.p)
			m.setFlash("revert proposed as card " + sanitize.Line(msg.p.ID) + ": review it in the cards pane (2)")
		}
	case clockMsg:
		if m.flash != "" && m.now().Sub(m.flashAt) > 6*time.Second {
			m.flash = ""
		}
		return clockTick()
	}
	return nil
}

func (m *Model) paste(s string) {
	switch {
	case m.dlg != nil && m.dlg.hasInput() && m.dlg.ready(m.now(), m.opts.InputGuard):
		m.dlg.in.insert(s)
	case m.prompt != nil:
		m.prompt.in.insert(s)
	case m.chat.composing:
		m.chat.in.insert(s)
	}
}

func (m *Model) handleAsk(msg askMsg) tea.Cmd {
	if msg.stream == nil || msg.stream != m.askStream {
		return nil
	}
	var cmds []tea.Cmd
	for _, ev := range msg.events {
		m.chat.handleEvent(ev)
		if ev.Kind == "proposal" {
			cmds = append(cmds, m.loadProposals())
		}
	}
	if e := m.chat.tr.streamingEntry(false); e != nil && e.dirty && !m.flushPending {
		m.flushPending = true
		cmds = append(cmds, tea.Tick(m.opts.FlushInterval, func(time.Time) tea.Msg { return flushMsg{} }))
	}
	if !msg.done {
		return tea.Batch(append(cmds, msg.stream.next())...)
	}
	m.chat.tr.endStream()
	m.chat.asking, m.chat.thinking = false, false
	m.askCancel, m.askStream = nil, nil
	switch {
	case errors.Is(msg.err, context.Canceled):
		m.chat.tr.add(&entry{kind: entryNotice, raw: "answer stopped"})
	case msg.err != nil:
		m.chat.tr.add(&entry{kind: entryError, raw: msg.err.Error()})
	case msg.turn.Reply != "" && !m.chat.hasAnswerText():
		// the model's reply arrived without streamed text (e.g. a notice)
		m.chat.tr.add(&entry{kind: entryAssistant, raw: msg.turn.Reply, dirty: true})
	}
	return tea.Batch(cmds...)
}

func (m *Model) handlePull(msg pullMsg) tea.Cmd {
	s := msg.stream
	s.mu.Lock()
	status, done, total, err, finished := s.status, s.completed, s.total, s.err, s.done
	s.mu.Unlock()
	m.chat.pullStatus, m.chat.pullDone, m.chat.pullTotal = status, done, total
	if !finished {
		return s.next()
	}
	m.chat.pulling = false
	if err != nil {
		m.chat.tr.add(&entry{kind: entryError, raw: "pull failed: " + err.Error()})
	} else {
		m.chat.tr.add(&entry{kind: entryNotice, raw: "model pulled: chat is ready"})
	}
	return m.loadStatus()
}

// afterUpdate renders what the next View needs, so View only reads caches.
func (m *Model) afterUpdate() {
	if m.width <= 0 || m.height <= 0 {
		return
	}
	l := m.layout()
	cw := max(20, l.chat.w-1)
	m.chat.prepare(cw, m.chat.areaHeight(m.status, cw, l.chat.h))
	m.cards.keepInView(l.cards.h - m.listChrome(paneCards))
	if m.cards.open {
		m.cards.ensureDetail(max(20, l.cards.w-1))
	}
}

func (m *Model) focusPane(p pane) {
	m.focus = (p + paneCount) % paneCount
}

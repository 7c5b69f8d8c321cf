package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

// Messages the console's commands produce.
type (
	busMsg       struct{ ev bus.Event }
	busClosedMsg struct{}
	proposalsMsg struct {
		list []*proposal.Proposal
		seq  int // event sequence when the fetch was requested
		err  error
	}
	askMsg struct {
		stream *askStream
		events []agent.Event
		done   bool
		turn   agent.Turn
		err    error
	}
	flushMsg  struct{}
	clockMsg  struct{}
	pullMsg   struct{ stream *pullStream }
	statusMsg struct{ status Status }
	actionMsg struct {
		ok, fail string
		err      error
	}
	revertMsg struct {
		p   *proposal.Proposal
		err error
	}
)

// waitEvent reads the next engine event; the model re-arms it after each.
func waitEvent(ctx context.Context, sub *bus.Subscription) tea.Cmd {
	return func() tea.Msg {
		ev, ok := sub.Next(ctx)
		if !ok {
			return busClosedMsg{}
		}
		return busMsg{ev: ev}
	}
}

func (m *Model) loadProposals() tea.Cmd {
	eng, ctx, seq := m.eng, m.ctx, m.eventSeq
	return func() tea.Msg {
		list, err := eng.Proposals(ctx)
		return proposalsMsg{list: list, seq: seq, err: err}
	}
}

func (m *Model) loadStatus() tea.Cmd {
	eng := m.eng
	return func() tea.Msg { return statusMsg{status: eng.Status()} }
}

func clockTick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return clockMsg{} })
}

// askStream carries a turn's events from the engine's goroutine to the
// program. Text deltas coalesce; every other event is kept in order.
type askStream struct {
	mu     sync.Mutex
	events []agent.Event
	done   bool
	turn   agent.Turn
	err    error
	wake   chan struct{}
}

func newAskStream() *askStream { return &askStream{wake: make(chan struct{}, 1)} }

func (s *askStream) push(ev agent.Event) {
	s.mu.Lock()
	if n := len(s.events); n > 0 && ev.Kind == agent.EventText && s.events[n-1].Kind == agent.EventText {
		s.events[n-1].Text += ev.Text
	} else {
		s.events = append(s.events, ev)
	}
	s.mu.Unlock()
	s.signal()
}

func (s *askStream) finish(turn agent.Turn, err error) {
	s.mu.Lock()
	s.done, s.turn, s.err = true, turn, err
	s.mu.Unlock()
	s.signal()
}

func (s *askStream) signal() { nudge(s.wake) }

// nudge wakes a waiting reader without blocking; one pending wake is enough.
func nudge(wake chan struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// next waits for events or the end of the turn.
func (s *askStream) next() tea.Cmd {
	return func() tea.Msg {
		for {
			s.mu.Lock()
			if len(s.events) > 0 || s.done {
				msg := askMsg{stream: s, events: s.events, done: s.done, turn: s.turn, err: s.err}
				s.events = nil
				s.mu.Unlock()
				return msg
			}
			s.mu.Unlock()
			<-s.wake
		}
	}
}

// ask runs one turn in the background and streams its events.
func (m *Model) ask(text string) tea.Cmd {
	ctx, cancel := context.WithCancel(m.ctx)
	m.askCancel = cancel
	s := newAskStream()
	m.askStream = s
	eng := m.eng
	run := func() tea.Msg {
		turn, err := eng.Ask(ctx, text, s.push)
		s.finish(turn, err)
		return nil
	}
	return tea.Batch(run, s.next())
}

// pullStream carries model pull progress; only the latest progress matters.
type pullStream struct {
	mu               sync.Mutex
	status           string
	completed, total int64
	done             bool
	err              error
	wake             chan struct{}
}

func (s *pullStream) progress(status string, completed, total int64) {
	s.mu.Lock()
	s.status, s.completed, s.total = status, completed, total
	s.mu.Unlock()
	s.signal()
}

func (s *pullStream) signal() { nudge(s.wake) }

func (s *pullStream) next() tea.Cmd {
	return func() tea.Msg {
		<-s.wake
		return pullMsg{stream: s}
	}
}

func (m *Model) startPull() tea.Cmd {
	if m.chat.pulling {
		return nil
	}
	if m.status.ModelState != ModelMissing {
		m.setFlash("nothing to pull: the model is " + m.status.ModelState)
		return nil
	}
	m.chat.pulling, m.chat.pullStatus = true, "starting"
	s := &pullStream{wake: make(chan struct{}, 1)}
	eng, ctx := m.eng, m.ctx
	run := func() tea.Msg {
		err := eng.PullModel(ctx, s.progress)
		s.mu.Lock()
		s.done, s.err = true, err
		s.mu.Unlock()
		s.signal()
		return nil
	}
	return tea.Batch(run, s.next())
}

func (m *Model) approveCmd(id, hash string) tea.Cmd {
	eng, ctx := m.eng, m.ctx
	return func() tea.Msg {
		err := eng.Approve(ctx, id, hash)
		return actionMsg{ok: "approved card " + id, fail: "approve " + id, err: err}
	}
}

func (m *Model) rejectCmd(id, reason string) tea.Cmd {
	eng, ctx := m.eng, m.ctx
	return func() tea.Msg {
		err := eng.Reject(ctx, id, reason)
		return actionMsg{ok: "rejected card " + id + "; the reason goes back to the agent", fail: "reject " + id, err: err}
	}
}

func (m *Model) revertCmd(zone string, ids []string) tea.Cmd {
	eng, ctx := m.eng, m.ctx
	return func() tea.Msg {
		p, err := eng.ProposeRevert(ctx, zone, ids)
		if err != nil {
			err = fmt.Errorf("propose revert of %s: %w", zone, err)
		}
		return revertMsg{p: p, err: err}
	}
}

func (m *Model) setModelCmd(name string) tea.Cmd {
	sel, ok := m.eng.(ModelSelector)
	if !ok {
		m.setFlash("this engine cannot switch models; restart with --model " + name)
		return nil
	}
	ctx := m.ctx
	return func() tea.Msg {
		err := sel.SetModel(ctx, name)
		return actionMsg{ok: "model set to " + name, fail: "switch model to " + name, err: err}
	}
}

// copyCard puts a card's JSON on the clipboard through OSC 52.
func copyCard(p *proposal.Proposal) (tea.Cmd, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode card %s: %w", p.ID, err)
	}
	return tea.SetClipboard(string(b)), nil
}

// Package console adapts driftdeck's engine to the TUI (ui.Engine) for one
// person: their conversation with the agent, their identity on approvals,
// and the model's state. The local console has one; the SSH bastion one per
// session, all over the same engine.
package console

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/internal/app"
	"github.com/driftdeck/driftdeck/providers/ollama"
	"github.com/driftdeck/driftdeck/ui"
)

// Console is one person's view of the engine; it implements ui.Engine.
type Console struct {
	app      *app.App
	llm      *ollama.Client
	sandbox  bool
	account  string
	user     string
	readOnly bool

	mu      sync.Mutex
	subs    []*bus.Subscription // this console's subscribers, for its status
	session *agent.Session
	model   string
	state   string
	hint    string
}

// Options describe whose console it is.
type Options struct {
	Sandbox  bool
	Account  string // the status bar's label: SANDBOX or the account
	User     string // identity for approvals; default the engine's user
	ReadOnly bool   // this person may not approve or propose (a viewer)
	Model    string
}

// New returns a console over the engine a; the model state starts as
// "checking" until WatchModel has asked Ollama.
func New(a *app.App, llm *ollama.Client, o Options) *Console {
	user := o.User
	if user == "" {
		user = a.User()
	}
	return &Console{app: a, llm: llm, sandbox: o.Sandbox, account: o.Account, user: user, readOnly: o.ReadOnly || a.ReadOnly(),
		model: o.Model, state: ui.ModelUnreachable, hint: "checking the Ollama server…"}
}

// WatchModel re-checks the model every 10 s until it is usable, so starting
// Ollama after the console needs no restart.
func (c *Console) WatchModel(ctx context.Context) {
	c.checkModel(ctx)
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		c.mu.Lock()
		ready := c.state == ui.ModelReady || c.state == ui.ModelPulling
		c.mu.Unlock()
		if !ready {
			c.checkModel(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// checkModel asks Ollama whether the model is usable and publishes the state.
func (c *Console) checkModel(ctx context.Context) {
	st, err := c.llm.Check(ctx)
	state, hint := ui.ModelReady, ""
	switch {
	case errors.Is(err, ollama.ErrUnreachable):
		state, hint = ui.ModelUnreachable, fmt.Sprintf("Ollama is not reachable at %s: start it with `ollama serve` (or set OLLAMA_HOST); driftdeck checks again every 10 s", st.Host)
	case errors.Is(err, ollama.ErrModelMissing):
		state, hint = ui.ModelMissing, fmt.Sprintf("model %s is not installed: run `ollama pull %s`, or press P to pull it now", c.model, c.model)
	case errors.Is(err, ollama.ErrNoTools):
		state, hint = ui.ModelNoTools, fmt.Sprintf("model %s cannot call tools; pick one that can, e.g. `:model qwen3:8b`", c.model)
	case err != nil:
		state, hint = ui.ModelUnreachable, sanitize.Line(err.Error())
	}
	c.mu.Lock()
	c.state, c.hint = state, hint
	subs := append([]*bus.Subscription(nil), c.subs...)
	c.mu.Unlock()
	// The status is this person's (their name, their read-only role): it
	// goes to this console's subscriptions only, never the shared bus.
	status := c.Status()
	for _, sub := range subs {
		sub.Deliver(bus.Event{Topic: ui.TopicStatus, Payload: status})
	}
}

func (c *Console) Status() ui.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ui.Status{Sandbox: c.sandbox, Account: c.account, Model: c.model, ModelState: c.state, ModelHint: c.hint,
		ReadOnly: c.readOnly, Budget: c.app.CF.Budget(), User: c.user, DriftHint: c.driftHint()}
}

// Subscribe returns a subscription already holding the current state of
// every feed, so a console that attaches late starts up to date.
func (c *Console) Subscribe() *bus.Subscription {
	sub := c.app.Bus.Subscribe()
	for _, e := range c.app.Current() {
		sub.Deliver(e)
	}
	c.mu.Lock()
	c.subs = append(c.subs, sub)
	c.mu.Unlock()
	// The model check may have finished before this subscription existed.
	sub.Deliver(bus.Event{Topic: ui.TopicStatus, Payload: c.Status()})
	return sub
}

func (c *Console) sessionFor(ctx context.Context) (*agent.Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != nil {
		return c.session, nil
	}
	id := "console-" + c.user + "-" + time.Now().UTC().Format("20060102T150405.000")
	s, err := c.app.NewSession(ctx, id)
	if err != nil {
		return nil, err
	}
	c.session = s
	return s, nil
}

func (c *Console) Ask(ctx context.Context, text string, onEvent func(agent.Event)) (agent.Turn, error) {
	c.mu.Lock()
	state, hint := c.state, c.hint
	c.mu.Unlock()
	if state != ui.ModelReady {
		return agent.Turn{}, errors.New(hint)
	}
	s, err := c.sessionFor(ctx)
	if err != nil {
		return agent.Turn{}, err
	}
	return c.app.Ask(ctx, s, text, onEvent)
}

func (c *Console) Proposals(ctx context.Context) ([]*proposal.Proposal, error) {
	return c.app.Proposals.List(ctx, proposal.ListFilter{Limit: 1000})
}

func (c *Console) Approve(ctx context.Context, id, hash string) error {
	if c.readOnly {
		return errors.New("read-only: you may not approve cards")
	}
	_, err := c.app.ApproveAs(ctx, id, hash, c.user)
	return err
}

// Reject rejects the card and tells the agent why, so its next turn can
// revise the proposal.
func (c *Console) Reject(ctx context.Context, id, reason string) error {
	if c.readOnly {
		return errors.New("read-only: you may not reject cards")
	}
	if _, err := c.app.RejectAs(ctx, id, reason, c.user); err != nil {
		return err
	}
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s != nil {
		c.app.NoteDecisions(ctx, s)
	}
	return nil
}

func (c *Console) ProposeRevert(ctx context.Context, zone string, findingIDs []string) (*proposal.Proposal, error) {
	if c.readOnly {
		return nil, errors.New("read-only: you may not propose changes")
	}
	return c.app.ProposeRevert(ctx, zone, findingIDs, c.user)
}

func (c *Console) PullModel(ctx context.Context, progress func(status string, completed, total int64)) error {
	c.mu.Lock()
	c.state, c.hint = ui.ModelPulling, "pulling "+c.model+"…"
	model := c.model
	c.mu.Unlock()
	err := c.llm.Pull(ctx, model, func(p ollama.PullProgress) { progress(p.Status, p.Completed, p.Total) })
	c.checkModel(ctx)
	return err
}

// SetModel switches the chat model (`:model NAME`).
func (c *Console) SetModel(ctx context.Context, name string) error {
	if err := c.app.SetModel(name); err != nil {
		return err
	}
	c.mu.Lock()
	c.model = name
	s := c.session
	c.mu.Unlock()
	if s != nil {
		s.SetModel(name)
	}
	c.checkModel(ctx)
	return nil
}

func (c *Console) driftHint() string {
	if c.app.HasBaseline() {
		return ""
	}
	return "No baseline, so no drift: capture one with `driftdeck baseline capture > baseline.yaml`, review it, and start driftdeck with --baseline baseline.yaml."
}

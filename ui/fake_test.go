package ui

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

// fakeEngine records what the console asks of the engine.
type fakeEngine struct {
	mu        sync.Mutex
	status    Status
	bus       *bus.Bus
	proposals []*proposal.Proposal
	approved  []string // "id hash"
	rejected  []string // "id: reason"
	reverts   []string // "zone ids"
	pulls     int
	// askScript is played by Ask, one event at a time.
	askScript []agent.Event
	askReply  string
}

func newFakeEngine(s Status) *fakeEngine { return &fakeEngine{status: s, bus: bus.New()} }

func (f *fakeEngine) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeEngine) Subscribe() *bus.Subscription { return f.bus.Subscribe() }

func (f *fakeEngine) Ask(ctx context.Context, text string, onEvent func(agent.Event)) (agent.Turn, error) {
	for _, ev := range f.askScript {
		if ctx.Err() != nil {
			return agent.Turn{}, ctx.Err()
		}
		onEvent(ev)
	}
	return agent.Turn{Reply: f.askReply, StopReason: "answered"}, nil
}

func (f *fakeEngine) Proposals(ctx context.Context) ([]*proposal.Proposal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*proposal.Proposal(nil), f.proposals...), nil
}

func (f *fakeEngine) Approve(ctx context.Context, id, hash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.approved = append(f.approved, id+" "+hash)
	return nil
}

func (f *fakeEngine) Reject(ctx context.Context, id, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejected = append(f.rejected, id+": "+reason)
	return nil
}

func (f *fakeEngine) ProposeRevert(ctx context.Context, zone string, ids []string) (*proposal.Proposal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reverts = append(f.reverts, zone+" "+strings.Join(ids, ","))
	return &proposal.Proposal{ID: "p-revert", Title: "Revert drift in " + zone, Status: proposal.StatusPending, Hash: "h-revert"}, nil
}

func (f *fakeEngine) PullModel(ctx context.Context, progress func(string, int64, int64)) error {
	f.mu.Lock()
	f.pulls++
	f.mu.Unlock()
	progress("pulling manifest", 50, 100)
	progress("success", 100, 100)
	return nil
}

// testClock is a clock the test moves by hand.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time          { return c.t }
func (c *testClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func readyStatus() Status {
	return Status{Account: "acme", Model: "qwen3:8b", ModelState: ModelReady, User: "alice",
		Budget: infra.Budget{Limit: 1200, Used: 37, Remaining: 1163, Window: 5 * time.Minute}}
}

// harness drives a root model the way Bubble Tea would.
type harness struct {
	t     *testing.T
	m     *Model
	eng   *fakeEngine
	clock *testClock
}

func newHarness(t testing.TB, s Status, opts Options, w, h int) *harness {
	eng := newFakeEngine(s)
	clock := &testClock{t: t0}
	opts.Now = clock.Now
	m := newModel(eng, opts)
	hs := &harness{m: m, eng: eng, clock: clock}
	if tt, ok := t.(*testing.T); ok {
		hs.t = tt
	}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// send delivers one message and returns the command the model gave back.
func (h *harness) send(msg tea.Msg) tea.Cmd {
	_, cmd := h.m.Update(msg)
	return cmd
}

// press sends keys by name ("enter", "shift+tab", "a") and returns the last command.
func (h *harness) press(keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		cmd = h.send(keyMsg(k))
	}
	return cmd
}

// typeText sends each rune as a key press.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (h *harness) view() string { return h.m.View().Content }

// run executes a command (and batches) and feeds the messages back,
// following up to depth levels of returned commands.
func (h *harness) run(cmd tea.Cmd, depth int) {
	for _, msg := range runCmd(cmd) {
		next := h.send(msg)
		if depth > 0 {
			h.run(next, depth-1)
		}
	}
}

// runCmd executes cmd and returns its messages; batches run concurrently.
// Tick commands are skipped (their messages are sent by hand in tests).
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch m := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		out := make([][]tea.Msg, len(m))
		var wg sync.WaitGroup
		for i, c := range m {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i] = runCmd(c)
			}()
		}
		wg.Wait()
		var all []tea.Msg
		for _, o := range out {
			all = append(all, o...)
		}
		return all
	case flushMsg, clockMsg:
		return nil
	}
	return []tea.Msg{msg}
}

func keyMsg(k string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"esc":       {Code: tea.KeyEscape},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"backspace": {Code: tea.KeyBackspace},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"pgup":      {Code: tea.KeyPgUp},
		"pgdown":    {Code: tea.KeyPgDown},
		"home":      {Code: tea.KeyHome},
		"end":       {Code: tea.KeyEnd},
		"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
	}
	if m, ok := named[k]; ok {
		return m
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// card makes a pending proposal updating one A record.
func card(id string, created time.Time) *proposal.Proposal {
	return &proposal.Proposal{
		ID: id, Title: "Point www at the new origin (" + id + ")", Rationale: "The old origin is failing health checks.",
		Status: proposal.StatusPending, Effect: proposal.EffectWrite, Risk: proposal.RiskMedium,
		Changes: []infra.Change{{Kind: infra.DNSUpdate, Zone: "example.com", Target: "rec-1",
			Before: mustJSON(infra.DNSRecord{Type: "A", Name: "www.example.com", Content: "192.0.2.1", TTL: 300, Proxied: true}),
			After:  mustJSON(infra.DNSRecord{Type: "A", Name: "www.example.com", Content: "192.0.2.2", TTL: 300, Proxied: true})}},
		Policy:            proposal.PolicyVerdict{Decision: proposal.DecisionRequireApprovals, ApprovalsRequired: 1, Reasons: []string{"production zone"}},
		Review:            proposal.Review{Risk: proposal.RiskMedium, Concerns: []string{"TTL is short"}},
		ApprovalsRequired: 1, CreatedBy: "agent", CreatedAt: created, Hash: "hash-" + id,
	}
}

// deleteCard makes a pending proposal deleting a DNS record.
func deleteCard(id, name string) *proposal.Proposal {
	p := card(id, t0)
	p.Title = "Delete the stale record " + name
	p.Effect = proposal.EffectDestructive
	p.Risk = proposal.RiskHigh
	p.Changes = []infra.Change{{Kind: infra.DNSDelete, Zone: "example.com", Target: "rec-9",
		Before: mustJSON(infra.DNSRecord{Type: "CNAME", Name: name, Content: "old.example.net", TTL: 1})}}
	return p
}

func publishCards(h *harness, ps ...*proposal.Proposal) {
	for _, p := range ps {
		h.send(busMsg{ev: bus.Event{Topic: TopicProposal, MustDeliver: true, Payload: p}})
	}
}

func (f *fakeEngine) calls() (approved, rejected, reverts []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.approved...), append([]string(nil), f.rejected...), append([]string(nil), f.reverts...)
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

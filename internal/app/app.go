// Package app is driftdeck's composition root: it assembles the engine's
// parts (proposals, policy, journal, tools, the model, watchers) over a
// Cloudflare client for the front ends — the CLI commands, the TUI and the
// SSH server — so that each front end is thin and all of them share one
// engine and one card queue.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/anomaly"
	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/journal"
	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/agent/policy"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/review"
	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/agent/tools"
	"github.com/driftdeck/driftdeck/agent/watch"
)

// Cloudflare is the provider as the engine uses it (*cloudflare.Client).
type Cloudflare interface {
	Snapshot(ctx context.Context, scope infra.Scope) (*infra.Snapshot, error)
	Apply(ctx context.Context, ch infra.Change) (infra.ApplyResult, error)
	Traffic(ctx context.Context, zone string, from, to time.Time) (infra.Series, error)
	AuditEvents(ctx context.Context, since time.Time) ([]infra.AuditEvent, error)
	Budget() infra.Budget
}

// Options configure an App.
type Options struct {
	StateDir  string
	PolicyDir string
	Baseline  *drift.Baseline // optional
	Model     string
	LLM       llm.Chatter // nil: chat and reviews are unavailable
	// ReviewModel is the reviewer's model; default Model.
	ReviewModel string
	ReadOnly    bool
	User        string   // identity for approvals; default the OS user
	Secrets     []string // never to be journaled (the API token)
	Now         func() time.Time
	Policy      policy.Config
	// Environments labels zones (production, staging); the baseline's
	// labels are used when it has them. Unlabelled zones count as production.
	Environments map[string]string
	Watch        watch.Config // intervals; Scope and Baseline are filled in
	// ReconcileGrace is how long a card may stay "executing" before a
	// starting engine treats its executor as dead and reconciles it.
	ReconcileGrace time.Duration
	AnomalyLearn   int // detector learning points; 0 = the anomaly package default
}

// App is one engine.
type App struct {
	opts      Options
	CF        Cloudflare
	Bus       *bus.Bus
	Journal   *journal.Journal
	Store     *proposal.Store
	Proposals *proposal.Service
	Policy    *policy.Engine
	Tools     *tools.Catalog
	Convs     *agent.SQLiteConversations
	Anomalies *anomaly.Engine
	Watcher   *watch.Watcher

	requestMu sync.Mutex
	request   string // the engineer's current request, for the reviewer

	anomalyMu sync.Mutex // the anomaly engine is not safe for concurrent use
}

// CurrentUser is the local identity used for approvals from this machine.
func CurrentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return n
	}
	return "unknown"
}

// Open assembles the engine. Close releases it.
func Open(ctx context.Context, cf Cloudflare, opts Options) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.User == "" {
		opts.User = CurrentUser()
	}
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w", opts.StateDir, err)
	}
	a := &App{opts: opts, CF: cf, Bus: bus.New()}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	var err error
	if a.Journal, err = journal.Open(ctx, filepath.Join(opts.StateDir, "journal.db"), journal.Options{Secrets: opts.Secrets}); err != nil {
		return nil, err
	}
	if a.Store, err = proposal.OpenStore(ctx, filepath.Join(opts.StateDir, "proposals.db")); err != nil {
		return nil, err
	}
	if a.Policy, err = policy.New(ctx, opts.PolicyDir); err != nil {
		return nil, err
	}
	if a.Convs, err = agent.OpenConversations(ctx, filepath.Join(opts.StateDir, "conversations.db")); err != nil {
		return nil, err
	}
	var reviewer proposal.Reviewer
	if opts.LLM != nil {
		name := opts.ReviewModel
		if name == "" {
			name = opts.Model
		}
		reviewer = &review.Reviewer{Model: opts.LLM, Name: name}
	}
	a.Proposals, err = proposal.NewService(proposal.Config{
		Store: a.Store, Policy: policyAdapter{a}, Reviewer: reviewer,
		Journal: journalAdapter{a.Journal}, Live: cf, Clock: opts.Now,
		ReconcileGrace: opts.ReconcileGrace,
	})
	if err != nil {
		return nil, err
	}
	learn := opts.AnomalyLearn
	a.Anomalies = anomaly.NewEngine(anomaly.EngineConfig{Detector: anomaly.Config{LearningPoints: learn}})
	a.Tools, err = tools.New(tools.Deps{
		Infra: cf, Findings: findingsAdapter{a}, Proposer: a.Proposals,
		Sanitize: sanitize.Line, Clock: opts.Now, ReadOnly: opts.ReadOnly,
		Request: func(context.Context) string { return a.currentRequest() },
	})
	if err != nil {
		return nil, err
	}
	wc := opts.Watch
	wc.Baseline = opts.Baseline
	if wc.Now == nil {
		wc.Now = opts.Now
	}
	a.Watcher = watch.New(wc, cf, a.Bus, anomalyObserver{a})
	ok = true
	return a, nil
}

// Close releases the stores (those Open got as far as opening).
func (a *App) Close() {
	if a.Convs != nil {
		_ = a.Convs.Close()
	}
	if a.Store != nil {
		_ = a.Store.Close()
	}
	if a.Journal != nil {
		_ = a.Journal.Close()
	}
}

// HasBaseline reports whether drift is computed (a baseline is configured).
func (a *App) HasBaseline() bool { return a.opts.Baseline != nil }

// User is the identity this engine approves as.
func (a *App) User() string { return a.opts.User }

// ReadOnly reports whether changes are disabled.
func (a *App) ReadOnly() bool { return a.opts.ReadOnly }

// Environment returns a zone's label; unlabelled zones count as production.
func (a *App) Environment(zone string) string {
	if b := a.opts.Baseline; b != nil {
		if z, ok := b.Zones[zone]; ok && z.Environment != "" {
			return z.Environment
		}
	}
	if env, ok := a.opts.Environments[zone]; ok && env != "" {
		return env
	}
	return "production"
}

// NewSession starts or resumes a conversation with the model.
func (a *App) NewSession(ctx context.Context, id string) (*agent.Session, error) {
	if a.opts.LLM == nil {
		return nil, errors.New("no language model configured")
	}
	return agent.NewSession(ctx, id, agent.Config{Model: a.opts.Model, ReadOnly: a.opts.ReadOnly},
		a.opts.LLM, toolRunner{a}, recorder{a.Journal}, a.Convs)
}

// Ask runs one turn in session s, remembering the request for the reviewer.
// Decisions on the conversation's cards since its last turn (a rejection
// and its reason, an execution result) reach the model first.
func (a *App) Ask(ctx context.Context, s *agent.Session, text string, onEvent func(agent.Event)) (agent.Turn, error) {
	a.NoteDecisions(ctx, s)
	a.requestMu.Lock()
	a.request = text
	a.requestMu.Unlock()
	return s.Ask(ctx, text, onEvent)
}

func (a *App) currentRequest() string {
	a.requestMu.Lock()
	defer a.requestMu.Unlock()
	return a.request
}

// Approve records an approval by the engine's user and, once the card has
// all the approvals it needs, executes it.
func (a *App) Approve(ctx context.Context, id, hash string) (*proposal.Proposal, error) {
	return a.ApproveAs(ctx, id, hash, a.opts.User)
}

// ApproveAs is Approve for a given identity (an SSH user of the bastion).
func (a *App) ApproveAs(ctx context.Context, id, hash, by string) (*proposal.Proposal, error) {
	if a.opts.ReadOnly {
		return nil, errors.New("read-only mode: approvals are disabled")
	}
	p, err := a.Proposals.Approve(ctx, id, by, hash)
	if err != nil {
		return nil, err
	}
	a.publish(p)
	if p.Status != proposal.StatusApproved {
		return p, nil
	}
	p, err = a.Proposals.Execute(ctx, id, by)
	if p != nil {
		a.publish(p)
	}
	return p, err
}

// Reject rejects a card with a reason.
func (a *App) Reject(ctx context.Context, id, reason string) (*proposal.Proposal, error) {
	return a.RejectAs(ctx, id, reason, a.opts.User)
}

// RejectAs is Reject for a given identity.
func (a *App) RejectAs(ctx context.Context, id, reason, by string) (*proposal.Proposal, error) {
	p, err := a.Proposals.Reject(ctx, id, by, reason)
	if p != nil {
		a.publish(p)
	}
	return p, err
}

// TopicProposal carries *proposal.Proposal, must-deliver.
const TopicProposal = "proposal"

func (a *App) publish(p *proposal.Proposal) {
	a.Bus.Publish(bus.Event{Topic: TopicProposal, Key: p.ID, MustDeliver: true, Payload: p})
}

func busEvent(topic, key string, payload any) bus.Event {
	return bus.Event{Topic: topic, Key: key, Payload: payload}
}

// SetModel switches the chat model for new sessions and reviews.
func (a *App) SetModel(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("the model name is empty")
	}
	a.requestMu.Lock()
	a.opts.Model = name
	a.requestMu.Unlock()
	return nil
}

// ProposeRevert makes a card that restores the baseline for a zone's drift
// findings (all revertable ones when ids is empty), through the same tool
// and proposal path the agent uses.
func (a *App) ProposeRevert(ctx context.Context, zone string, ids []string, by string) (*proposal.Proposal, error) {
	if by == "" {
		by = a.opts.User
	}
	req := map[string]any{"zone": zone, "rationale": "Restore the baseline: requested from the drift pane by " + by + "."}
	if len(ids) > 0 {
		req["finding_ids"] = ids
	}
	args, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	res, err := a.Tools.Execute(ctx, llm.ToolCall{Name: "revert_drift", Arguments: args})
	if err != nil {
		return nil, err
	}
	if res.IsError || res.ProposalID == "" {
		return nil, errors.New(sanitize.Line(res.Text))
	}
	p, err := a.Proposals.Get(ctx, res.ProposalID)
	if err != nil {
		return nil, err
	}
	a.publish(p)
	return p, nil
}

// ForwardProposals publishes every card change on the bus (must-deliver):
// changes this engine makes as they happen, and changes other processes
// make to the shared queue (a `driftdeck proposals approve` in another
// shell) within a couple of seconds. It runs until ctx ends.
func (a *App) ForwardProposals(ctx context.Context) {
	updates, cancel := a.Proposals.Subscribe(256)
	defer cancel()
	seen := map[string]string{}
	fingerprint := func(p *proposal.Proposal) string {
		return fmt.Sprintf("%s|%d|%s", p.Status, len(p.Approvals), p.Hash)
	}
	poll := time.NewTicker(2 * time.Second)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-updates:
			seen[p.ID] = fingerprint(p)
			a.publish(p)
		case <-poll.C:
			list, err := a.Proposals.List(ctx, proposal.ListFilter{Limit: 1000})
			if err != nil {
				continue
			}
			for _, p := range list {
				if fp := fingerprint(p); seen[p.ID] != fp {
					seen[p.ID] = fp
					a.publish(p)
				}
			}
		}
	}
}

// Current is the engine's latest state as bus events (feeds, drift,
// traffic, anomalies), for a front end that attaches late.
func (a *App) Current() []bus.Event {
	out := a.Watcher.Current()
	a.anomalyMu.Lock()
	byZone := map[string][]anomaly.Finding{}
	for _, f := range a.Anomalies.Findings() {
		byZone[f.Zone] = append(byZone[f.Zone], f)
	}
	a.anomalyMu.Unlock()
	for zone, fs := range byZone {
		out = append(out, busEvent(TopicAnomaly, zone, fs))
	}
	return out
}

// NoteDecisions tells the model of session s what happened to the cards it
// proposed — rejected (with the reason, so it can revise), applied, failed,
// expired — once per card and status.
func (a *App) NoteDecisions(ctx context.Context, s *agent.Session) {
	events, err := a.Journal.Events(ctx, journal.Filter{Subject: s.ID(), Types: []string{"tool_result"}})
	if err != nil {
		return
	}
	told := map[string]bool{}
	for _, m := range s.Messages() {
		if m.Role == llm.RoleUser && strings.HasPrefix(m.Content, "[card ") {
			if head, _, ok := strings.Cut(m.Content, "]"); ok {
				told[strings.TrimPrefix(head, "[card ")] = true
			}
		}
	}
	for _, e := range events {
		var d struct {
			ProposalID string `json:"proposal_id"`
		}
		if json.Unmarshal(e.Data, &d) != nil || d.ProposalID == "" {
			continue
		}
		p, err := a.Proposals.Get(ctx, d.ProposalID)
		if err != nil || !p.Status.Final() {
			continue
		}
		key := p.ID + " " + string(p.Status)
		if told[key] {
			continue
		}
		told[key] = true
		var note string
		switch p.Status {
		case proposal.StatusRejected:
			note = fmt.Sprintf("was rejected by %s: %s. Revise the proposal to address this, or explain why not; do not resubmit it unchanged.", p.DecidedBy, p.Reason)
		case proposal.StatusApplied:
			note = "was approved and applied."
		case proposal.StatusFailed:
			msg := ""
			if p.Result != nil {
				msg = p.Result.Message
			}
			note = "was approved but failed: " + msg
		default:
			note = "is " + string(p.Status) + "."
		}
		s.Feedback(ctx, fmt.Sprintf("[card %s] Proposal %s (%q) %s", key, p.ID, p.Title, note))
	}
}

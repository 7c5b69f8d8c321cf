package proposal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// AgentActor is the identity proposals are created under; it can never approve.
const AgentActor = "agent"

// Config wires a Service. Store and Policy are required; Live is required
// for Execute and Reconcile.
type Config struct {
	Store    *Store
	Policy   Policy
	Reviewer Reviewer // optional: without it every card records review.missing
	Journal  Journal  // optional: without it nothing is journaled
	Live     Live
	Clock    func() time.Time // default time.Now
	TTL      time.Duration    // pending proposals expire after this; default 1h
	// MaxReviewApprovals caps how far the reviewer can raise the approvals
	// required, so a confused reviewer cannot make a card unapprovable. Default 3.
	MaxReviewApprovals int
	// PollInterval is how often Wait re-reads the store to see answers given
	// by other processes. Default 1s.
	PollInterval time.Duration
	// ReconcileGrace is how long a card must have been executing before
	// Reconcile treats it as interrupted; it keeps a process that starts up
	// from reconciling a card another process is applying right now. Default 2m.
	ReconcileGrace time.Duration
}

// Service is the approval service over one Store: it creates cards, resolves
// answers first-answer-wins, executes approved cards once, and journals
// every step. Safe for concurrent use; several processes may each run one
// over the same SQLite file.
type Service struct {
	cfg Config

	mu      sync.Mutex
	waiters map[string][]chan struct{}
	subs    map[int]chan *Proposal
	nextSub int
}

// NewService checks cfg and applies defaults.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("proposal service needs a store")
	}
	if cfg.Policy == nil {
		return nil, errors.New("proposal service needs a policy")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.TTL <= 0 {
		cfg.TTL = time.Hour
	}
	if cfg.MaxReviewApprovals <= 0 {
		cfg.MaxReviewApprovals = 3
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.ReconcileGrace <= 0 {
		cfg.ReconcileGrace = 2 * time.Minute
	}
	return &Service{cfg: cfg, waiters: map[string][]chan struct{}{}, subs: map[int]chan *Proposal{}}, nil
}

// Draft is what a write tool asks for.
type Draft struct {
	Title     string
	Rationale string
	Tool      string
	Effect    Effect // raised to destructive when a change deletes
	Risk      Risk   // the tool's own estimate; default medium
	Changes   []infra.Change
	CreatedBy string // default AgentActor
	Request   string // the engineer's request that led here, for the reviewer
}

// Get returns one proposal.
func (s *Service) Get(ctx context.Context, id string) (*Proposal, error) {
	return s.cfg.Store.Get(ctx, id)
}

// List returns proposals, newest first.
func (s *Service) List(ctx context.Context, f ListFilter) ([]*Proposal, error) {
	return s.cfg.Store.List(ctx, f)
}

// Propose creates a card: policy (phase propose), then the reviewer, then
// it is stored and journaled. A policy denial still creates the card, as
// rejected by "policy" with the reasons, so everyone sees why.
func (s *Service) Propose(ctx context.Context, d Draft) (*Proposal, error) {
	p, err := s.prepare(ctx, d)
	if err != nil {
		return nil, err
	}
	if err := withTx(ctx, s.cfg.Store.db, func(tx *sql.Tx) error { return insertProposal(ctx, tx, p) }); err != nil {
		return nil, err
	}
	return s.finishCreate(ctx, p, d.Request)
}

// Revise creates a new card from d that supersedes id (pending or approved,
// not yet executing). Approvals never carry over: they bind the old hash.
func (s *Service) Revise(ctx context.Context, id, by string, d Draft) (*Proposal, error) {
	old, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if old.Status != StatusPending && old.Status != StatusApproved {
		return nil, fmt.Errorf("%s is %s and can no longer be revised", id, old.Status)
	}
	p, err := s.prepare(ctx, d)
	if err != nil {
		return nil, err
	}
	p.Supersedes = id
	var superseded *Proposal
	err = withTx(ctx, s.cfg.Store.db, func(tx *sql.Tx) error {
		o, err := getProposal(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.Status != StatusPending && o.Status != StatusApproved {
			return fmt.Errorf("%s is %s and can no longer be revised", id, o.Status)
		}
		if err := insertProposal(ctx, tx, p); err != nil {
			return err
		}
		prev := o.Status
		now := s.cfg.Clock()
		o.Status, o.SupersededBy, o.DecidedBy, o.DecidedAt = StatusSuperseded, p.ID, actorOr(by), &now
		o.Reason = "superseded by " + p.ID
		superseded = o
		return putProposal(ctx, tx, o, prev)
	})
	if err != nil {
		return nil, err
	}
	s.notify(superseded)
	jerr := s.journal(ctx, EventSuperseded, actorOr(by), id, map[string]string{"superseded_by": p.ID})
	np, err := s.finishCreate(ctx, p, d.Request)
	if err == nil && jerr != nil {
		err = jerr
	}
	return np, err
}

func actorOr(by string) string {
	if strings.TrimSpace(by) == "" {
		return AgentActor
	}
	return by
}

// prepare validates a draft and runs policy and review; it does not store.
func (s *Service) prepare(ctx context.Context, d Draft) (*Proposal, error) {
	if strings.TrimSpace(d.Title) == "" {
		return nil, errors.New("a proposal needs a title")
	}
	if len(d.Changes) == 0 {
		return nil, errors.New("a proposal needs at least one change")
	}
	for i, c := range d.Changes {
		if !knownKind(c.Kind) {
			return nil, fmt.Errorf("change %d has unknown kind %q", i+1, c.Kind)
		}
		if c.Zone == "" && c.Kind != infra.WorkerDeploy {
			return nil, fmt.Errorf("change %d (%s) names no zone", i+1, c.Kind)
		}
	}
	effect := EffectOfChanges(d.Changes)
	if d.Effect == EffectDestructive {
		effect = EffectDestructive
	} else if d.Effect != "" && d.Effect != EffectWrite {
		return nil, fmt.Errorf("a proposal's effect must be write or destructive, not %q", d.Effect)
	}
	risk := d.Risk
	if risk.Rank() == 0 {
		risk = RiskMedium
	}
	if effect == EffectDestructive {
		risk = MaxRisk(risk, RiskHigh)
	}
	now := s.cfg.Clock()
	p := &Proposal{
		Title: d.Title, Rationale: d.Rationale, Status: StatusPending, Effect: effect, Risk: risk,
		Changes: d.Changes, CreatedBy: actorOr(d.CreatedBy), CreatedAt: now, ExpiresAt: now.Add(s.cfg.TTL),
		Tool: d.Tool,
	}
	hash, err := p.computeHash()
	if err != nil {
		return nil, err
	}
	p.Hash = hash

	p.Policy = s.evaluate(ctx, PolicyRequest{Phase: PhasePropose, Tool: d.Tool, Effect: effect, Changes: d.Changes, Actor: p.CreatedBy, Proposal: p})
	if p.Policy.Decision == DecisionDeny {
		p.Status, p.DecidedBy, p.DecidedAt = StatusRejected, "policy", &now
		p.Reason = "denied by policy: " + reasonsText(p.Policy.Reasons)
		p.Review = Review{Missing: true, Reason: "not reviewed: denied by policy"}
		p.ApprovalsRequired = max(1, p.Policy.ApprovalsRequired)
		p.normalize()
		return p, nil
	}
	p.ApprovalsRequired = max(1, p.Policy.ApprovalsRequired)
	s.review(ctx, d.Request, p)
	p.normalize()
	return p, nil
}

// evaluate asks the policy, failing closed: an error or an unknown answer is a deny.
func (s *Service) evaluate(ctx context.Context, req PolicyRequest) PolicyVerdict {
	v, err := s.cfg.Policy.Evaluate(ctx, req)
	if err != nil {
		return PolicyVerdict{Decision: DecisionDeny, Reasons: []string{"policy could not be evaluated: " + err.Error()}}
	}
	switch v.Decision {
	case DecisionAllow, DecisionRequireApprovals, DecisionDeny:
	default:
		return PolicyVerdict{Decision: DecisionDeny, Reasons: append([]string{fmt.Sprintf("policy returned unknown decision %q", v.Decision)}, v.Reasons...)}
	}
	if v.ApprovalsRequired < 0 {
		v.ApprovalsRequired = 0
	}
	if v.Reasons == nil {
		v.Reasons = []string{}
	}
	return v
}

// review applies the reviewer's note. The reviewer can raise risk and the
// approvals required (up to MaxReviewApprovals), never lower them.
func (s *Service) review(ctx context.Context, request string, p *Proposal) {
	if s.cfg.Reviewer == nil {
		p.Review = Review{Missing: true, Reason: "no reviewer configured"}
		return
	}
	cp := *p
	cp.Changes = append([]infra.Change(nil), p.Changes...)
	r, err := s.cfg.Reviewer.Review(ctx, request, &cp)
	if err != nil {
		p.Review = Review{Missing: true, Reason: "reviewer unavailable: " + err.Error()}
		return
	}
	r.Missing, r.Reason = false, ""
	if r.Risk != "" && r.Risk.Rank() == 0 {
		r.Concerns = append(r.Concerns, fmt.Sprintf("reviewer gave unknown risk %q", r.Risk))
		r.Risk = ""
	}
	p.Review = r
	p.Risk = MaxRisk(p.Risk, r.Risk)
	p.ApprovalsRequired = max(p.ApprovalsRequired, min(r.ApprovalsRequired, s.cfg.MaxReviewApprovals))
}

// finishCreate journals a freshly stored card. Without evidence a card must
// never execute, so a journal failure rejects it.
func (s *Service) finishCreate(ctx context.Context, p *Proposal, asked string) (*Proposal, error) {
	err := s.journal(ctx, EventProposal, p.CreatedBy, p.ID, proposalRecord{Proposal: p, Asked: asked})
	if err == nil {
		err = s.journal(ctx, EventPolicy, "policy", p.ID, policyRecord(PhasePropose, p.Policy))
	}
	if err == nil {
		err = s.journal(ctx, EventReview, "reviewer", p.ID, p.Review)
	}
	if err != nil {
		if p.Status == StatusPending {
			if rp, rerr := s.cfg.Store.mutate(context.WithoutCancel(ctx), p.ID, func(q *Proposal) error {
				now := s.cfg.Clock()
				q.Status, q.DecidedBy, q.DecidedAt, q.Reason = StatusRejected, "journal", &now, "the journal could not record this proposal"
				return nil
			}); rerr == nil {
				p = rp
			}
		}
		s.notify(p)
		return p, fmt.Errorf("journal proposal %s: %w", p.ID, err)
	}
	s.notify(p)
	return p, nil
}

func reasonsText(reasons []string) string {
	if len(reasons) == 0 {
		return "no reason given"
	}
	return strings.Join(reasons, "; ")
}

// journal appends one record; Data is v as JSON.
func (s *Service) journal(ctx context.Context, typ, actor, subject string, v any) error {
	if s.cfg.Journal == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s journal record: %w", typ, err)
	}
	if err := s.cfg.Journal.Append(ctx, Record{Type: typ, Actor: actor, Subject: subject, Data: data}); err != nil {
		return fmt.Errorf("journal %s of %s: %w", typ, subject, err)
	}
	return nil
}

// The journal's evidence report reads these shapes (agent/journal/report.go).

// proposalRecord is a card as `--json` prints it plus the engineer's request.
type proposalRecord struct {
	*Proposal
	Asked string `json:"asked,omitempty"`
}

func policyRecord(phase string, v PolicyVerdict) map[string]any {
	return map[string]any{"phase": phase, "decision": v.Decision, "approvals_required": v.ApprovalsRequired, "reasons": v.Reasons}
}

func resultRecord(res *Result) map[string]any {
	if res == nil {
		return map[string]any{"status": "unknown"}
	}
	rec := map[string]any{"status": "applied", "result": res}
	if !res.OK {
		rec["status"], rec["error"] = "failed", res.Message
	}
	return rec
}

package proposal

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// notExecutable explains why a card in p.Status cannot execute now.
func notExecutable(p *Proposal) error {
	switch p.Status {
	case StatusPending:
		return fmt.Errorf("%s is not approved yet: it needs %d distinct approvals and has %d", p.ID, p.ApprovalsRequired, len(p.ValidApprovers()))
	case StatusExecuting:
		return fmt.Errorf("%s is already executing", p.ID)
	case StatusApplied:
		return fmt.Errorf("%s was already applied; it executes at most once", p.ID)
	case StatusFailed:
		return fmt.Errorf("%s already failed (%s); it is never re-applied, propose it again", p.ID, resultMessage(p))
	}
	return alreadyDecided(p)
}

func resultMessage(p *Proposal) string {
	if p.Result == nil {
		return "no result"
	}
	return p.Result.Message
}

// Execute applies an approved card once: policy again (phase execute), then
// the precondition (the live targets still equal `before`), then status
// executing, then each change in order, then applied or failed. A card whose
// targets changed since it was proposed fails without touching anything.
// It returns the card as it ended and, when it did not apply, an error
// saying why in one sentence.
func (s *Service) Execute(ctx context.Context, id, by string) (*Proposal, error) {
	by = strings.TrimSpace(by)
	if by == "" || reservedActors[by] {
		return nil, fmt.Errorf("execution must be started by a named human, not %q", by)
	}
	if s.cfg.Live == nil {
		return nil, errors.New("proposal service has no infrastructure to apply changes to")
	}
	p, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status != StatusApproved {
		return p, notExecutable(p)
	}
	if err := p.checkIntegrity(); err != nil {
		return p, err
	}
	if n := len(p.ValidApprovers()); n < p.ApprovalsRequired {
		return p, fmt.Errorf("%s has %d valid approvals of the %d required", id, n, p.ApprovalsRequired)
	}

	verdict := s.evaluate(ctx, PolicyRequest{Phase: PhaseExecute, Tool: p.Tool, Effect: p.Effect, Changes: p.Changes, Actor: by, Proposal: p})
	if err := s.journal(ctx, EventPolicy, "policy", id, policyRecord(PhaseExecute, verdict)); err != nil {
		return p, err
	}
	if p2, err := s.applyExecutePolicy(ctx, p, verdict); err != nil {
		return p2, err
	}

	if p2, err := s.checkPrecondition(ctx, p); err != nil {
		return p2, err
	}

	p, err = s.cfg.Store.mutate(ctx, id, func(q *Proposal) error {
		if q.Status != StatusApproved || q.Hash != p.Hash {
			return notExecutable(q)
		}
		now := s.cfg.Clock()
		q.Status, q.ExecutingSince = StatusExecuting, &now
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify(p)
	if err := s.journal(ctx, EventExecutionStarted, by, id, map[string]any{"hash": p.Hash, "changes": len(p.Changes)}); err != nil {
		// No evidence, no change: hand the card back untouched.
		if back, berr := s.cfg.Store.mutate(context.WithoutCancel(ctx), id, func(q *Proposal) error {
			if q.Status != StatusExecuting {
				return notExecutable(q)
			}
			q.Status, q.ExecutingSince = StatusApproved, nil
			return nil
		}); berr == nil {
			p = back
			s.notify(p)
		}
		return p, fmt.Errorf("%s was not executed: %w", id, err)
	}
	return s.apply(ctx, p, by)
}

// applyExecutePolicy enforces the execute-phase verdict: a deny rejects the
// card, a demand for more approvals sends it back to pending.
func (s *Service) applyExecutePolicy(ctx context.Context, p *Proposal, v PolicyVerdict) (*Proposal, error) {
	switch {
	case v.Decision == DecisionDeny:
		reason := "denied by policy at execution: " + reasonsText(v.Reasons)
		q, err := s.cfg.Store.mutate(ctx, p.ID, func(q *Proposal) error {
			if q.Status != StatusApproved {
				return notExecutable(q)
			}
			now := s.cfg.Clock()
			q.Status, q.DecidedBy, q.DecidedAt, q.Reason = StatusRejected, "policy", &now, reason
			return nil
		})
		if err != nil {
			return p, err
		}
		s.notify(q)
		return q, fmt.Errorf("%s was %s", p.ID, reason)
	case v.ApprovalsRequired > len(p.ValidApprovers()):
		q, err := s.cfg.Store.mutate(ctx, p.ID, func(q *Proposal) error {
			if q.Status != StatusApproved {
				return notExecutable(q)
			}
			q.Status, q.DecidedBy, q.DecidedAt = StatusPending, "", nil
			q.ApprovalsRequired = max(q.ApprovalsRequired, v.ApprovalsRequired)
			return nil
		})
		if err != nil {
			return p, err
		}
		s.notify(q)
		return q, fmt.Errorf("policy now requires %d approvals for %s and it has %d; it is pending again", v.ApprovalsRequired, p.ID, len(p.ValidApprovers()))
	}
	return p, nil
}

// checkPrecondition re-reads the live targets. A definite mismatch fails the
// card (it can never apply as approved); not being able to read them leaves
// it approved so the engineer can retry.
func (s *Service) checkPrecondition(ctx context.Context, p *Proposal) (*Proposal, error) {
	snap, err := s.cfg.Live.Snapshot(ctx, ScopeFor(p.Changes))
	if err != nil {
		return p, fmt.Errorf("read live state before executing %s: %w", p.ID, err)
	}
	var stale []string
	for _, c := range p.Changes {
		state, detail, err := Classify(snap, c)
		if err != nil {
			return p, fmt.Errorf("%s not executed: %w", p.ID, err)
		}
		if state != LiveBefore {
			if detail == "" {
				detail = fmt.Sprintf("%s %s is already in its proposed state", c.Kind, c.Target)
			}
			stale = append(stale, detail)
		}
	}
	if len(stale) == 0 {
		return p, nil
	}
	msg := "state changed since proposal: " + strings.Join(stale, "; ")
	q, err := s.cfg.Store.mutate(ctx, p.ID, func(q *Proposal) error {
		if q.Status != StatusApproved {
			return notExecutable(q)
		}
		q.Status = StatusFailed
		q.Result = &Result{OK: false, Message: msg, At: s.cfg.Clock()}
		return nil
	})
	if err != nil {
		return p, err
	}
	s.notify(q)
	jerr := s.journal(ctx, EventExecutionResult, "precondition", p.ID, resultRecord(q.Result))
	return q, errors.Join(fmt.Errorf("%s not executed: %s", p.ID, msg), jerr)
}

// apply runs the changes of an executing card and records the outcome.
func (s *Service) apply(ctx context.Context, p *Proposal, by string) (*Proposal, error) {
	res := &Result{OK: true}
	var failure error
	for i, c := range p.Changes {
		if failure != nil {
			res.Changes = append(res.Changes, ChangeResult{Kind: c.Kind, Target: c.Target, Status: "not_attempted"})
			continue
		}
		ar, err := s.cfg.Live.Apply(ctx, c)
		if err == nil {
			target := ar.Target
			if target == "" {
				target = c.Target
			}
			res.Changes = append(res.Changes, ChangeResult{Kind: c.Kind, Target: target, Status: "applied", After: ar.After})
			continue
		}
		// The write may have landed even though the call failed (timeouts):
		// look before saying what happened.
		status := s.observe(context.WithoutCancel(ctx), c)
		res.Changes = append(res.Changes, ChangeResult{Kind: c.Kind, Target: c.Target, Status: status, Error: err.Error()})
		failure = fmt.Errorf("change %d of %d (%s %s) failed: %w", i+1, len(p.Changes), c.Kind, c.Target, err)
	}
	if failure != nil {
		res.OK, res.Message = false, failure.Error()
	} else {
		res.Message = fmt.Sprintf("applied %d change(s)", len(p.Changes))
	}
	res.At = s.cfg.Clock()
	final := StatusApplied
	if !res.OK {
		final = StatusFailed
	}
	done, err := s.cfg.Store.mutate(context.WithoutCancel(ctx), p.ID, func(q *Proposal) error {
		if q.Status != StatusExecuting {
			return fmt.Errorf("%s was moved to %s by someone else while it was executing", q.ID, q.Status)
		}
		q.Status, q.Result = final, res
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("record execution result of %s: %w", p.ID, err)
	}
	s.notify(done)
	jerr := s.journal(context.WithoutCancel(ctx), EventExecutionResult, by, p.ID, resultRecord(res))
	if failure != nil {
		return done, errors.Join(fmt.Errorf("%s failed: %w", p.ID, failure), jerr)
	}
	return done, jerr
}

// observe classifies one change after a failed Apply: applied, failed or unknown.
func (s *Service) observe(ctx context.Context, c infra.Change) string {
	if c.Kind == infra.CachePurge {
		return "unknown"
	}
	snap, err := s.cfg.Live.Snapshot(ctx, ScopeFor([]infra.Change{c}))
	if err != nil {
		return "unknown"
	}
	switch state, _, err := Classify(snap, c); {
	case err != nil:
		return "unknown"
	case state == LiveAfter:
		return "applied"
	case state == LiveBefore:
		return "failed"
	}
	return "unknown"
}

package proposal

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Reconcile settles cards left executing by a process that stopped (after
// ReconcileGrace, so it never races a live executor). It never re-applies:
// live == after -> applied (reconciled); live == before -> failed
// "interrupted before apply; not re-applied"; anything else -> failed
// "state unknown, check". A card whose live state cannot be read stays
// executing and the error is returned, so a later call can retry.
func (s *Service) Reconcile(ctx context.Context) ([]*Proposal, error) {
	if s.cfg.Live == nil {
		return nil, errors.New("proposal service has no infrastructure to reconcile against")
	}
	ids, err := s.cfg.Store.idsWithStatus(ctx, StatusExecuting)
	if err != nil {
		return nil, err
	}
	var out []*Proposal
	var errs []error
	for _, id := range ids {
		p, err := s.reconcileOne(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p != nil {
			out = append(out, p)
		}
	}
	return out, errors.Join(errs...)
}

func (s *Service) reconcileOne(ctx context.Context, id string) (*Proposal, error) {
	p, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status != StatusExecuting || (p.ExecutingSince != nil && s.cfg.Clock().Sub(*p.ExecutingSince) < s.cfg.ReconcileGrace) {
		return nil, nil
	}
	snap, err := s.cfg.Live.Snapshot(ctx, ScopeFor(p.Changes))
	if err != nil {
		return nil, fmt.Errorf("reconcile %s: read live state: %w", id, err)
	}
	before, after := 0, 0
	var details []string
	for _, c := range p.Changes {
		state, detail, err := Classify(snap, c)
		if err != nil {
			return nil, fmt.Errorf("reconcile %s: %w", id, err)
		}
		if c.Kind == infra.CachePurge {
			state, detail = LiveUnknown, "a cache purge cannot be observed"
		}
		switch state {
		case LiveBefore:
			before++
		case LiveAfter:
			after++
		default:
			details = append(details, detail)
		}
	}
	res := &Result{Reconciled: true, At: s.cfg.Clock()}
	final := StatusFailed
	switch {
	case after == len(p.Changes):
		final, res.OK, res.Message = StatusApplied, true, "reconciled after an interruption: the live state equals the proposed after state"
	case before == len(p.Changes):
		res.Message = "interrupted before apply; not re-applied"
	default:
		if before > 0 && after > 0 {
			details = append(details, fmt.Sprintf("%d change(s) applied, %d not", after, before))
		}
		res.Message = "state unknown, check: " + strings.Join(details, "; ")
	}
	done, err := s.cfg.Store.mutate(ctx, id, func(q *Proposal) error {
		if q.Status != StatusExecuting {
			return fmt.Errorf("%s finished while being reconciled", id)
		}
		q.Status, q.Result = final, res
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify(done)
	return done, s.journal(ctx, EventReconciled, "reconcile", id, reconcileRecord(done))
}

func reconcileRecord(p *Proposal) map[string]any {
	rec := map[string]any{"status": string(p.Status)}
	if p.Result != nil {
		rec["detail"], rec["result"] = p.Result.Message, p.Result
	}
	return rec
}

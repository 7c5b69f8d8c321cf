package proposal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// reservedActors are identities that are not humans and can never approve.
var reservedActors = map[string]bool{AgentActor: true, "policy": true, "reviewer": true, "expiry": true, "journal": true, "system": true}

// alreadyDecided explains, in one sentence, why p can no longer take an answer.
func alreadyDecided(p *Proposal) error {
	by, at := p.DecidedBy, ""
	if p.DecidedAt != nil {
		at = " at " + clock(*p.DecidedAt)
	}
	switch p.Status {
	case StatusApproved, StatusExecuting, StatusApplied, StatusFailed:
		if p.Status == StatusApproved {
			return fmt.Errorf("%s was already approved by %s%s", p.ID, by, at)
		}
		return fmt.Errorf("%s was already approved by %s%s and is %s", p.ID, by, at, p.Status)
	case StatusRejected:
		return fmt.Errorf("%s was already rejected by %s%s", p.ID, by, at)
	case StatusExpired:
		return fmt.Errorf("%s expired%s without a decision and can no longer be approved", p.ID, at)
	case StatusSuperseded:
		return fmt.Errorf("%s was superseded by %s; review that card instead", p.ID, p.SupersededBy)
	}
	return fmt.Errorf("%s is %s", p.ID, p.Status)
}

// Approve records by's approval of the content hash they reviewed. The card
// becomes approved once N distinct humans approved its current hash. The
// first decision wins: answers after it get an error saying who decided.
// The caller executes an approved card with Execute.
func (s *Service) Approve(ctx context.Context, id, by, hash string) (*Proposal, error) {
	by = strings.TrimSpace(by)
	if by == "" || reservedActors[by] {
		return nil, fmt.Errorf("approvals must come from a named human, not %q", by)
	}
	if hash == "" {
		return nil, fmt.Errorf("an approval of %s must name the content hash it approves", id)
	}
	if err := s.expireIfDue(ctx, id); err != nil {
		return nil, err
	}
	p, err := s.cfg.Store.mutate(ctx, id, func(p *Proposal) error {
		if p.Status != StatusPending {
			return alreadyDecided(p)
		}
		now := s.cfg.Clock()
		if !now.Before(p.ExpiresAt) {
			return fmt.Errorf("%s expired at %s and can no longer be approved", p.ID, clock(p.ExpiresAt))
		}
		if by == p.CreatedBy {
			return fmt.Errorf("%s cannot approve %s: they created it", by, p.ID)
		}
		if err := p.checkIntegrity(); err != nil {
			return err
		}
		if hash != p.Hash {
			return fmt.Errorf("%s changed since you reviewed it (you approved %s, it is now %s); review it again", p.ID, short(hash), short(p.Hash))
		}
		for _, a := range p.ValidApprovers() {
			if a == by {
				return fmt.Errorf("%s already approved %s; it needs %d distinct approvers and has %d", by, p.ID, p.ApprovalsRequired, len(p.ValidApprovers()))
			}
		}
		p.Approvals = append(p.Approvals, Approval{By: by, At: now, Hash: hash})
		if len(p.ValidApprovers()) >= p.ApprovalsRequired {
			p.Status, p.DecidedBy, p.DecidedAt = StatusApproved, by, &now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify(p)
	jerr := s.journal(ctx, EventApproval, by, id, map[string]any{
		"hash": hash, "approvers": p.ValidApprovers(), "approvals_required": p.ApprovalsRequired, "status": p.Status,
	})
	return p, jerr
}

// Reject records by's rejection; the reason is what the session sends back
// to the model. First decision wins.
func (s *Service) Reject(ctx context.Context, id, by, reason string) (*Proposal, error) {
	by = strings.TrimSpace(by)
	if by == "" || reservedActors[by] {
		return nil, fmt.Errorf("rejections must come from a named human, not %q", by)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "no reason given"
	}
	if err := s.expireIfDue(ctx, id); err != nil {
		return nil, err
	}
	p, err := s.cfg.Store.mutate(ctx, id, func(p *Proposal) error {
		if p.Status != StatusPending {
			return alreadyDecided(p)
		}
		now := s.cfg.Clock()
		p.Status, p.DecidedBy, p.DecidedAt, p.Reason = StatusRejected, by, &now, reason
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify(p)
	return p, s.journal(ctx, EventRejection, by, id, map[string]string{"reason": reason})
}

// expireIfDue expires one card whose time has passed, so an answer after
// the deadline sees "expired" rather than racing the sweeper.
func (s *Service) expireIfDue(ctx context.Context, id string) error {
	p, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	if p.Status == StatusPending && !s.cfg.Clock().Before(p.ExpiresAt) {
		_, err := s.expire(ctx, id)
		return err
	}
	return nil
}

// ExpireDue moves every pending card past its deadline to expired.
func (s *Service) ExpireDue(ctx context.Context) ([]*Proposal, error) {
	ids, err := s.cfg.Store.dueForExpiry(ctx, s.cfg.Clock())
	if err != nil {
		return nil, err
	}
	var out []*Proposal
	for _, id := range ids {
		p, err := s.expire(ctx, id)
		if err != nil {
			return out, err
		}
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// expire returns nil, nil when the card was decided meanwhile.
func (s *Service) expire(ctx context.Context, id string) (*Proposal, error) {
	errNotDue := errors.New("not due")
	p, err := s.cfg.Store.mutate(ctx, id, func(p *Proposal) error {
		now := s.cfg.Clock()
		if p.Status != StatusPending || now.Before(p.ExpiresAt) {
			return errNotDue
		}
		p.Status, p.DecidedBy, p.DecidedAt = StatusExpired, "expiry", &now
		p.Reason = fmt.Sprintf("no decision within %s", p.ExpiresAt.Sub(p.CreatedAt).Round(time.Second))
		return nil
	})
	if errors.Is(err, errNotDue) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.notify(p)
	return p, s.journal(ctx, EventExpired, "expiry", id, map[string]string{"reason": p.Reason})
}

// RunExpiry sweeps for expired cards every interval until ctx ends.
func (s *Service) RunExpiry(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Wait blocks until the card leaves pending (approved, rejected, expired,
// superseded...) and returns it. Answers given in this process wake it at
// once; answers from other processes are seen within PollInterval.
func (s *Service) Wait(ctx context.Context, id string) (*Proposal, error) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		ch := s.addWaiter(id)
		p, err := s.cfg.Store.Get(ctx, id)
		if err != nil {
			s.dropWaiter(id, ch)
			return nil, err
		}
		if p.Status != StatusPending {
			s.dropWaiter(id, ch)
			return p, nil
		}
		select {
		case <-ctx.Done():
			s.dropWaiter(id, ch)
			return nil, ctx.Err()
		case <-ch:
		case <-t.C:
			s.dropWaiter(id, ch)
		}
	}
}

// Subscribe returns a channel that receives every card this Service changes
// (created, answered, executed...). Sends never block: when the buffer is
// full an update is dropped, so a subscriber should re-read the list after
// it catches up. Call cancel to unsubscribe.
func (s *Service) Subscribe(buffer int) (<-chan *Proposal, func()) {
	ch := make(chan *Proposal, max(buffer, 1))
	s.mu.Lock()
	n := s.nextSub
	s.nextSub++
	s.subs[n] = ch
	s.mu.Unlock()
	var once bool
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !once {
			once = true
			delete(s.subs, n)
			close(ch)
		}
	}
}

func (s *Service) addWaiter(id string) chan struct{} {
	ch := make(chan struct{})
	s.mu.Lock()
	s.waiters[id] = append(s.waiters[id], ch)
	s.mu.Unlock()
	return ch
}

func (s *Service) dropWaiter(id string, ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.waiters[id]
	for i, c := range list {
		if c == ch {
			s.waiters[id] = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(s.waiters[id]) == 0 {
		delete(s.waiters, id)
	}
}

func (s *Service) notify(p *Proposal) {
	if p == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.waiters[p.ID] {
		close(ch)
	}
	delete(s.waiters, p.ID)
	for _, ch := range s.subs {
		cp := *p
		select {
		case ch <- &cp:
		default:
		}
	}
}

// checkIntegrity refuses a card whose stored content no longer matches its hash.
func (p *Proposal) checkIntegrity() error {
	h, err := p.computeHash()
	if err != nil {
		return err
	}
	if h != p.Hash {
		return fmt.Errorf("%s's stored content does not match its hash; refusing to act on it", p.ID)
	}
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

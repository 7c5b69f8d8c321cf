// Package bus carries the engine's events (snapshots, findings, budget,
// proposals) to every front end that subscribes. Publishing never blocks.
// Must-deliver events (approvals, proposals) are queued without bound and
// never dropped; other events coalesce: a newer event with the same topic
// and key replaces an undelivered older one, so a slow subscriber sees the
// latest state rather than a backlog.
package bus

import (
	"context"
	"sync"
	"time"
)

// Event is one thing that happened in the engine.
type Event struct {
	Topic       string
	Key         string // coalescing key within the topic (e.g. a zone)
	Time        time.Time
	MustDeliver bool
	Payload     any
}

// Bus fans events out to subscriptions.
type Bus struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
	now  func() time.Time
}

// New returns an empty bus.
func New() *Bus { return &Bus{subs: map[*Subscription]struct{}{}, now: time.Now} }

// Subscription receives the events of some topics (all when none given).
type Subscription struct {
	bus    *Bus
	topics map[string]bool
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	closed bool
}

// Subscribe starts receiving events published from now on.
func (b *Bus) Subscribe(topics ...string) *Subscription {
	s := &Subscription{bus: b, wake: make(chan struct{}, 1)}
	if len(topics) > 0 {
		s.topics = map[string]bool{}
		for _, t := range topics {
			s.topics[t] = true
		}
	}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Publish delivers e to every interested subscription without blocking.
func (b *Bus) Publish(e Event) {
	if e.Time.IsZero() {
		e.Time = b.now()
	}
	b.mu.Lock()
	subs := make([]*Subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		s.offer(e)
	}
}

func (s *Subscription) offer(e Event) {
	if s.topics != nil && !s.topics[e.Topic] {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	replaced := false
	if !e.MustDeliver {
		for i := range s.queue {
			q := &s.queue[i]
			if !q.MustDeliver && q.Topic == e.Topic && q.Key == e.Key {
				// Keep the queue position (order across topics) and take the newer state.
				*q = e
				replaced = true
				break
			}
		}
	}
	if !replaced {
		s.queue = append(s.queue, e)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Deliver offers e to this subscription only: a front end that subscribes
// late is brought up to date with the current state this way.
func (s *Subscription) Deliver(e Event) {
	if e.Time.IsZero() {
		e.Time = s.bus.now()
	}
	s.offer(e)
}

// Next returns the oldest undelivered event, waiting for one until ctx ends.
// It returns false when ctx ended or the subscription was closed.
func (s *Subscription) Next(ctx context.Context) (Event, bool) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			e := s.queue[0]
			s.queue[0] = Event{}
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return e, true
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return Event{}, false
		}
		select {
		case <-ctx.Done():
			return Event{}, false
		case <-s.wake:
		}
	}
}

// Pending is how many events wait to be read.
func (s *Subscription) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Close stops the subscription; a blocked Next returns false.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.queue = nil
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

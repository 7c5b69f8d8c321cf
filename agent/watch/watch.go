// Package watch keeps the engine's view of the account fresh at little cost
// of Cloudflare's rate budget: a full snapshot on a long interval, an
// audit-log tail on a short one that re-reads only the resources a change
// touched, and per-zone analytics every minute. Everything it learns is
// published on the bus; when a fetch fails (a 429 included) it backs off
// and marks the data stale rather than presenting it as fresh.
package watch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
)

// Source is the infrastructure as the watchers read it.
type Source interface {
	Snapshot(ctx context.Context, scope infra.Scope) (*infra.Snapshot, error)
	AuditEvents(ctx context.Context, since time.Time) ([]infra.AuditEvent, error)
	Traffic(ctx context.Context, zone string, from, to time.Time) (infra.Series, error)
	Budget() infra.Budget
}

// TrafficObserver consumes traffic points (the anomaly engine).
type TrafficObserver interface {
	Observe(zone string, p infra.Point)
}

// Topics published on the bus.
const (
	TopicSnapshot = "snapshot" // payload SnapshotState
	TopicDrift    = "drift"    // payload DriftState
	TopicTraffic  = "traffic"  // key zone, payload TrafficState
	TopicAudit    = "audit"    // payload []infra.AuditEvent (new ones), must-deliver
	TopicFeed     = "feed"     // key feed name, payload FeedStatus
	TopicBudget   = "budget"   // payload infra.Budget
)

// Config tunes the watchers. Zero values take the defaults.
type Config struct {
	Scope            infra.Scope
	Baseline         *drift.Baseline // nil: no drift, snapshots only
	SnapshotInterval time.Duration   // default 5m
	AuditInterval    time.Duration   // default 10s
	TrafficInterval  time.Duration   // default 60s
	TrafficHistory   time.Duration   // first analytics read; default 24h
	MaxBackoff       time.Duration   // default 5m
	// Now is the clock the data lives in: the simulator's simulated time in
	// sandbox mode, wall time otherwise.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.SnapshotInterval <= 0 {
		c.SnapshotInterval = 5 * time.Minute
	}
	if c.AuditInterval <= 0 {
		c.AuditInterval = 10 * time.Second
	}
	if c.TrafficInterval <= 0 {
		c.TrafficInterval = time.Minute
	}
	if c.TrafficHistory <= 0 {
		c.TrafficHistory = 24 * time.Hour
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// FeedStatus says how fresh one feed is.
type FeedStatus struct {
	Feed     string    `json:"feed"`
	LastOK   time.Time `json:"last_ok"`
	Stale    bool      `json:"stale"`
	Error    string    `json:"error,omitempty"`
	Failures int       `json:"failures"`
}

// SnapshotState is the merged live view.
type SnapshotState struct {
	Snapshot *infra.Snapshot
	Status   FeedStatus
}

// DriftState is the current drift report against the baseline.
type DriftState struct {
	Report drift.Report
	// At is when the live data behind the report was read; Stale is set
	// when the latest attempt to refresh it failed.
	At    time.Time
	Stale bool
	// Trigger says what produced this report: "snapshot" or "audit:<id>".
	Trigger string
}

// TrafficState is a zone's recent traffic.
type TrafficState struct {
	Zone   string
	Points []infra.Point // the most recent window, oldest first
	Status FeedStatus
}

// Watcher runs the feeds.
type Watcher struct {
	cfg Config
	src Source
	bus *bus.Bus
	obs TrafficObserver

	mu       sync.Mutex
	snap     *infra.Snapshot
	feeds    map[string]*FeedStatus
	seen     map[string]time.Time // audit event ids already handled
	cursor   time.Time            // audit: newest event time seen
	lastMin  map[string]time.Time // traffic: last minute fed per zone
	recent   map[string][]infra.Point
	lastDrft DriftState
}

// New returns a watcher; obs may be nil.
func New(cfg Config, src Source, b *bus.Bus, obs TrafficObserver) *Watcher {
	cfg = cfg.withDefaults()
	return &Watcher{cfg: cfg, src: src, bus: b, obs: obs,
		feeds: map[string]*FeedStatus{}, seen: map[string]time.Time{},
		lastMin: map[string]time.Time{}, recent: map[string][]infra.Point{}}
}

// Snapshot returns the current merged snapshot (nil before the first).
func (w *Watcher) Snapshot() *infra.Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.snap
}

// Current returns the latest state of every feed as the events that
// published it, so a late subscriber can be brought up to date.
func (w *Watcher) Current() []bus.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []bus.Event
	for _, f := range w.feeds {
		out = append(out, bus.Event{Topic: TopicFeed, Key: f.Feed, Payload: *f})
	}
	if w.snap != nil {
		st := FeedStatus{Feed: "snapshot"}
		if f := w.feeds["snapshot"]; f != nil {
			st = *f
		}
		out = append(out, bus.Event{Topic: TopicSnapshot, Payload: SnapshotState{Snapshot: w.snap, Status: st}})
	}
	if !w.lastDrft.At.IsZero() {
		out = append(out, bus.Event{Topic: TopicDrift, Payload: w.lastDrft})
	}
	for zone, pts := range w.recent {
		st := FeedStatus{Feed: "traffic:" + zone}
		if f := w.feeds["traffic:"+zone]; f != nil {
			st = *f
		}
		out = append(out, bus.Event{Topic: TopicTraffic, Key: zone, Payload: TrafficState{Zone: zone, Points: append([]infra.Point(nil), pts...), Status: st}})
	}
	out = append(out, bus.Event{Topic: TopicBudget, Payload: w.src.Budget()})
	return out
}

// Drift returns the latest drift state.
func (w *Watcher) Drift() DriftState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastDrft
}

// Run starts the feeds and blocks until ctx ends. The first full snapshot
// and the first analytics read happen at once.
func (w *Watcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	loop := func(name string, every time.Duration, step func(context.Context) error) {
		defer wg.Done()
		wait := time.Duration(0)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			if err := step(ctx); err != nil && ctx.Err() == nil {
				// Back off on failure: double per consecutive failure, capped.
				fails := w.failures(name)
				wait = every << min(fails, 6)
				if wait > w.cfg.MaxBackoff {
					wait = w.cfg.MaxBackoff
				}
				if until := w.src.Budget().ThrottledUntil; time.Until(until) > wait {
					wait = time.Until(until)
				}
				continue
			}
			wait = every
		}
	}
	// The audit tail needs a snapshot to patch, and analytics need to know
	// the zones (unless the scope names them): both start after the first.
	afterSnapshot := func(name string, every time.Duration, step func(context.Context) error) {
		for w.Snapshot() == nil {
			select {
			case <-ctx.Done():
				wg.Done()
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		loop(name, every, step)
	}
	wg.Add(3)
	go loop("snapshot", w.cfg.SnapshotInterval, w.FullSnapshot)
	go afterSnapshot("audit", w.cfg.AuditInterval, w.TailAudit)
	go afterSnapshot("traffic", w.cfg.TrafficInterval, w.PollTraffic)
	wg.Wait()
}

func (w *Watcher) failures(feed string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if f := w.feeds[feed]; f != nil {
		return f.Failures
	}
	return 0
}

// mark records a feed's outcome and publishes it.
func (w *Watcher) mark(feed string, err error) FeedStatus {
	w.mu.Lock()
	f := w.feeds[feed]
	if f == nil {
		f = &FeedStatus{Feed: feed}
		w.feeds[feed] = f
	}
	if err == nil {
		f.LastOK, f.Stale, f.Error, f.Failures = w.cfg.Now(), false, "", 0
	} else {
		f.Stale, f.Error = true, err.Error()
		f.Failures++
	}
	st := *f
	w.mu.Unlock()
	w.bus.Publish(bus.Event{Topic: TopicFeed, Key: feed, Payload: st})
	w.bus.Publish(bus.Event{Topic: TopicBudget, Payload: w.src.Budget()})
	return st
}

// FullSnapshot reads everything in scope and recomputes drift. Resources
// that could not be read keep their last good state, and the feed is marked
// stale until a complete read succeeds.
func (w *Watcher) FullSnapshot(ctx context.Context) error {
	snap, err := w.src.Snapshot(ctx, w.cfg.Scope)
	if err != nil {
		st := w.mark("snapshot", err)
		w.publishStale(st)
		return fmt.Errorf("snapshot: %w", err)
	}
	w.mu.Lock()
	prev := w.snap
	w.mu.Unlock()
	problem := incomplete(snap)
	if prev != nil && problem != "" {
		snap = keepLastGood(prev, snap)
	}
	w.mu.Lock()
	w.snap = snap
	w.mu.Unlock()
	var ferr error
	if problem != "" {
		ferr = fmt.Errorf("incomplete snapshot: %s", problem)
	}
	st := w.mark("snapshot", ferr)
	w.bus.Publish(bus.Event{Topic: TopicSnapshot, Payload: SnapshotState{Snapshot: snap, Status: st}})
	w.recomputeDrift("snapshot", snap.TakenAt, ferr != nil)
	return ferr
}

func (w *Watcher) publishStale(st FeedStatus) {
	w.mu.Lock()
	d := w.lastDrft
	snap := w.snap
	w.mu.Unlock()
	if snap != nil {
		w.bus.Publish(bus.Event{Topic: TopicSnapshot, Payload: SnapshotState{Snapshot: snap, Status: st}})
	}
	if w.cfg.Baseline != nil && !d.At.IsZero() {
		d.Stale = true
		w.mu.Lock()
		w.lastDrft = d
		w.mu.Unlock()
		w.bus.Publish(bus.Event{Topic: TopicDrift, Payload: d})
	}
}

func (w *Watcher) recomputeDrift(trigger string, at time.Time, stale bool) {
	if w.cfg.Baseline == nil {
		return
	}
	w.mu.Lock()
	snap := w.snap
	w.mu.Unlock()
	if snap == nil {
		return
	}
	d := DriftState{Report: drift.Compare(w.cfg.Baseline, snap, w.cfg.Scope.Zones), At: at, Trigger: trigger, Stale: stale}
	w.mu.Lock()
	w.lastDrft = d
	w.mu.Unlock()
	w.bus.Publish(bus.Event{Topic: TopicDrift, Payload: d})
}

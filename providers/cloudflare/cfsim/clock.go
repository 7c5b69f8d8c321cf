package cfsim

import (
	"sync"
	"time"
)

// Clock tells the simulated time. The simulator reads it for every timestamp
// it writes and to decide which scheduled events are due.
type Clock interface{ Now() time.Time }

// ManualClock is a Clock that moves only when told to, so tests decide
// exactly when scheduled scenario events fire.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock standing at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (negative values are ignored: the
// simulated time never runs backwards).
func (c *ManualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// scaledClock runs speed times faster than the wall clock from start.
type scaledClock struct {
	start     time.Time
	wallStart time.Time
	speed     float64
}

func (c scaledClock) Now() time.Time {
	elapsed := time.Since(c.wallStart)
	return c.start.Add(time.Duration(float64(elapsed) * c.speed))
}

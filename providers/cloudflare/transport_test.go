package cloudflare

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryAfterIsHonouredAndReported(t *testing.T) {
	var n atomic.Int32
	var firstAt, secondAt atomic.Int64
	events := make(chan Event, 100)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			firstAt.Store(time.Now().UnixNano())
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, failure(971, "Please wait and consider throttling your request speed"))
		default:
			secondAt.Store(time.Now().UnixNano())
			writeJSON(w, 200, ok([]any{map[string]any{"id": "ssl", "value": "full"}}))
		}
	}, func(cfg *Config) {
		cfg.OnEvent = func(ev Event) { events <- ev }
		// Shorter than Retry-After: waiting for the throttle must not count as a slow answer.
		cfg.Timeout = 300 * time.Millisecond
	})

	settings, err := c.readSettings(context.Background(), apiZone{ID: "z1", Name: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if string(settings["ssl"]) != `"full"` {
		t.Fatalf("settings = %v", settings)
	}
	if n.Load() != 2 {
		t.Fatalf("requests = %d, want 2", n.Load())
	}
	// The retry must not go out before Retry-After has passed.
	if gap := time.Duration(secondAt.Load() - firstAt.Load()); gap < time.Second {
		t.Fatalf("retried %v after a 429 with Retry-After: 1", gap)
	}
	var sawThrottle, sawRetry bool
	for len(events) > 0 {
		ev := <-events
		sawThrottle = sawThrottle || (ev.Kind == EventThrottled && !ev.Until.IsZero())
		sawRetry = sawRetry || ev.Kind == EventRetrying
	}
	if !sawThrottle || !sawRetry {
		t.Fatalf("events: throttled=%v retrying=%v", sawThrottle, sawRetry)
	}
}

func TestThrottleWaitIsCancellable(t *testing.T) {
	throttled := make(chan struct{}, 1)
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, failure(971, "slow down"))
	}, func(cfg *Config) {
		cfg.OnEvent = func(ev Event) {
			if ev.Kind == EventThrottled {
				select {
				case throttled <- struct{}{}:
				default:
				}
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.readSettings(ctx, apiZone{ID: "z1", Name: "example.com"})
		done <- err
	}()
	<-throttled
	if b := c.Budget(); b.ThrottledUntil.Before(time.Now().Add(50 * time.Minute)) {
		t.Fatalf("ThrottledUntil = %v, want about an hour ahead", b.ThrottledUntil)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n.Load() != 1 {
		t.Fatalf("requests while throttled = %d, want 1 (no hammering)", n.Load())
	}
	// A new caller also waits rather than sending.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := c.readSettings(ctx2, apiZone{ID: "z1", Name: "example.com"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	if n.Load() != 1 {
		t.Fatalf("a new request went out while throttled")
	}
}

func TestBudgetCountsEveryRequest(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/client/v4/graphql" {
			writeJSON(w, 200, map[string]any{"data": map[string]any{"viewer": map[string]any{"zones": []any{}}}})
			return
		}
		writeJSON(w, 200, ok([]any{}))
	})
	ctx := context.Background()
	z := apiZone{ID: "z1", Name: "example.com"}
	for range 3 {
		if _, err := c.readSettings(ctx, z); err != nil { // raw
			t.Fatal(err)
		}
		if _, err := c.listRoutes(ctx, z); err != nil { // SDK
			t.Fatal(err)
		}
	}
	b := c.Budget()
	if c.Calls() != 6 || b.Used != 6 || b.Remaining != 1194 || b.Limit != 1200 || b.Window != 5*time.Minute {
		t.Fatalf("calls=%d budget=%+v", c.Calls(), b)
	}
	if !b.ThrottledUntil.IsZero() {
		t.Fatal("not throttled")
	}
}

func TestSlidingWindowForgetsOldRequests(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var total atomic.Int64
	tr := newBudgetTransport(http.DefaultTransport, time.Second, &total, func(Event) {})
	tr.now = func() time.Time { return now }
	for range 10 {
		if err := tr.waitForSlot(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(4 * time.Minute)
	for range 5 {
		_ = tr.waitForSlot(context.Background())
	}
	if got := tr.budget().Used; got != 15 {
		t.Fatalf("used = %d, want 15", got)
	}
	now = now.Add(90 * time.Second) // the first 10 are out of the window
	if got := tr.budget().Used; got != 5 {
		t.Fatalf("used = %d, want 5", got)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", defaultRetryAfter},
		{"7", 7 * time.Second},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{"soon", defaultRetryAfter},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("Retry-After %q: %v, want %v", tc.header, got, tc.want)
		}
	}
}

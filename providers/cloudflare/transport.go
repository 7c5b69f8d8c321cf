package cloudflare

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Cloudflare's global limit: 1200 requests per 5 minutes per user.
const (
	budgetLimit  = 1200
	budgetWindow = 5 * time.Minute
	// defaultRetryAfter is how long to hold back after a 429 that did not
	// say how long (Cloudflare normally does).
	defaultRetryAfter = time.Second
)

// callCounterKey marks a context whose requests are also counted for one
// operation (a snapshot's APICalls), so concurrent operations don't mix.
type callCounterKey struct{}

func withCallCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, callCounterKey{}, n)
}

// budgetTransport counts every request (SDK and raw) in a sliding window,
// makes new requests wait while the API is throttling us or the window is
// full, and learns Retry-After from 429 answers. It never retries: retry
// policy is per operation, in retry.go.
type budgetTransport struct {
	inner   http.RoundTripper
	timeout time.Duration // per request, from sending to the end of the body
	total   *atomic.Int64
	emit    func(Event)
	now     func() time.Time

	mu             sync.Mutex
	sent           []time.Time // send times within the window, oldest first
	throttledUntil time.Time
}

func newBudgetTransport(inner http.RoundTripper, timeout time.Duration, total *atomic.Int64, emit func(Event)) *budgetTransport {
	return &budgetTransport{inner: inner, timeout: timeout, total: total, emit: emit, now: time.Now}
}

// cancelOnClose ends a request's timeout context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (t *budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.waitForSlot(ctx); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	t.total.Add(1)
	if n, ok := ctx.Value(callCounterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	t.emit(Event{Kind: EventBudget, Budget: t.budget()})

	// The per-request timeout starts only now, so time spent waiting for the
	// throttle to lift is never mistaken for a slow answer.
	attemptCtx, cancel := context.WithTimeout(ctx, t.timeout)
	res, err := t.inner.RoundTrip(req.WithContext(attemptCtx))
	if err != nil {
		cancel()
		return nil, err
	}
	res.Body = &cancelOnClose{ReadCloser: res.Body, cancel: cancel}
	if res.StatusCode == http.StatusTooManyRequests {
		until := t.now().Add(retryAfter(res.Header, t.now()))
		t.mu.Lock()
		if until.After(t.throttledUntil) {
			t.throttledUntil = until
		}
		t.mu.Unlock()
		t.emit(Event{Kind: EventThrottled, Until: until, Budget: t.budget()})
	}
	return res, err
}

// waitForSlot blocks (cancellably) while throttled or while the window is
// full, then records the send.
func (t *budgetTransport) waitForSlot(ctx context.Context) error {
	for {
		t.mu.Lock()
		now := t.now()
		t.trimLocked(now)
		var wait time.Duration
		switch {
		case now.Before(t.throttledUntil):
			wait = t.throttledUntil.Sub(now)
		case len(t.sent) >= budgetLimit:
			wait = t.sent[0].Add(budgetWindow).Sub(now)
		default:
			t.sent = append(t.sent, now)
			t.mu.Unlock()
			return nil
		}
		t.mu.Unlock()
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
	}
}

func (t *budgetTransport) trimLocked(now time.Time) {
	cut := 0
	for cut < len(t.sent) && !t.sent[cut].After(now.Add(-budgetWindow)) {
		cut++
	}
	if cut > 0 {
		t.sent = append(t.sent[:0], t.sent[cut:]...)
	}
}

func (t *budgetTransport) budget() infra.Budget {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.trimLocked(now)
	b := infra.Budget{Limit: budgetLimit, Window: budgetWindow, Used: len(t.sent)}
	b.Remaining = max(budgetLimit-b.Used, 0)
	if now.Before(t.throttledUntil) {
		b.ThrottledUntil = t.throttledUntil
	}
	return b
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return defaultRetryAfter
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return defaultRetryAfter
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

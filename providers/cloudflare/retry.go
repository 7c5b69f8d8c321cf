package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// backoff is the pause before attempt n+1 (n >= 1); a 429's Retry-After is
// honoured separately by the transport, which holds every new request.
func backoff(n int) time.Duration {
	d := 200 * time.Millisecond << (n - 1)
	return min(d, 5*time.Second)
}

// read runs fn, retrying reads that failed for a reason that may pass
// (429, 5xx, timeouts, unreadable answers) a bounded number of times.
func (c *Client) read(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := normalize(ctx, fn(ctx))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(err) || attempt >= c.cfg.ReadAttempts {
			if attempt > 1 {
				return fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return err
		}
		c.emit(Event{Kind: EventRetrying, Op: op, Attempt: attempt, Err: err.Error()})
		if err := sleepCtx(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// landedFunc looks whether a write whose outcome is unknown took effect.
type landedFunc func(ctx context.Context) (infra.ApplyResult, bool, error)

// write runs one write. Retries are safe only where the write is naturally
// idempotent (landed == nil) or where landed proves the first attempt did not
// take effect; a 429 was never processed, so it is always retried.
func (c *Client) write(ctx context.Context, op string, do func(ctx context.Context) (infra.ApplyResult, error), landed landedFunc) (infra.ApplyResult, error) {
	for attempt := 1; ; attempt++ {
		res, err := do(ctx)
		err = normalize(ctx, err)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return infra.ApplyResult{}, ctx.Err()
		}
		if !retryable(err) || attempt >= c.cfg.ReadAttempts {
			if attempt > 1 {
				return infra.ApplyResult{}, fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return infra.ApplyResult{}, err
		}
		c.emit(Event{Kind: EventRetrying, Op: op, Attempt: attempt, Err: err.Error()})
		if err := sleepCtx(ctx, backoff(attempt)); err != nil {
			return infra.ApplyResult{}, err
		}
		if landed != nil && outcomeUnknown(err) {
			// landed is built from reads, which retry on their own.
			got, ok, checkErr := landed(ctx)
			if checkErr = normalize(ctx, checkErr); checkErr != nil {
				return infra.ApplyResult{}, fmt.Errorf("%w, and checking whether the write landed failed: %w", err, checkErr)
			}
			if ok {
				return got, nil
			}
		}
	}
}

// errUnknownAccount is returned when an account-level call has no account id.
var errUnknownAccount = errors.New("the account id is unknown (no zone told it); set the account id in the configuration")

package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/dns"
)

// APIError is an answer of the API with an HTTP error status. Codes and
// messages are Cloudflare's text: untrusted data, never control flow.
type APIError struct {
	Status     int
	Errors     []APIErrorDetail
	RetryAfter time.Duration // from a 429's Retry-After, when given
}

// APIErrorDetail is one entry of a Cloudflare error envelope.
type APIErrorDetail struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Cloudflare answered %d %s", e.Status, http.StatusText(e.Status))
	for i, d := range e.Errors {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Errors)-3)
			break
		}
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s (code %d)", sep, d.Message, d.Code)
	}
	return b.String()
}

// decodeError is an answer that was not the JSON it should have been, e.g.
// a truncated body.
type decodeError struct{ err error }

func (e *decodeError) Error() string {
	return "Cloudflare's answer could not be read as JSON: " + e.err.Error()
}
func (e *decodeError) Unwrap() error { return e.err }

// transportError is a request that got no usable answer: a timeout or a
// broken connection. It keeps only the cause, not the request (whose
// headers hold the token).
type transportError struct {
	timeout bool
	err     error
}

func (e *transportError) Error() string {
	if e.timeout {
		return "Cloudflare did not answer in time"
	}
	return "could not reach Cloudflare: " + e.err.Error()
}
func (e *transportError) Unwrap() error { return e.err }

// normalize turns what the SDK or net/http returned into this package's
// error types. The SDK's own error holds the request, headers and all, so it
// is replaced rather than wrapped.
func normalize(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var sdkErr *dns.Error // one alias of the SDK's shared apierror.Error
	if errors.As(err, &sdkErr) {
		out := &APIError{Status: sdkErr.StatusCode}
		for _, d := range sdkErr.Errors {
			out.Errors = append(out.Errors, APIErrorDetail{Code: int(d.Code), Message: d.Message})
		}
		if sdkErr.Response != nil && sdkErr.StatusCode == http.StatusTooManyRequests {
			out.RetryAfter = retryAfter(sdkErr.Response.Header, time.Now())
		}
		return out
	}
	var already *APIError
	if errors.As(err, &already) {
		return err
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.HasPrefix(err.Error(), "error parsing response json") {
		return &decodeError{err: unwrapAll(err)}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return &transportError{timeout: netErr.Timeout(), err: unwrapAll(err)}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &transportError{timeout: true, err: err}
	}
	return err
}

// unwrapAll drops url.Error-style wrappers that repeat the request URL.
func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// retryable says whether repeating a read may succeed.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == http.StatusTooManyRequests || apiErr.Status >= 500
	}
	var de *decodeError
	var te *transportError
	return errors.As(err, &de) || errors.As(err, &te)
}

// outcomeUnknown says whether a failed write may nonetheless have landed:
// the server may have acted before failing to answer. A 429 is rejected
// before any processing.
func outcomeUnknown(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status >= 500
	}
	var de *decodeError
	var te *transportError
	return errors.As(err, &de) || errors.As(err, &te)
}

func isStatus(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == status
}

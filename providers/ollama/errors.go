package ollama

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/ollama/ollama/api"
)

// Sentinel errors a front end can branch on with errors.Is; the error values
// Chat, Check, Models and Pull return carry a one-sentence message for people.
var (
	// ErrUnreachable: no Ollama server answers at the configured host.
	ErrUnreachable = errors.New("ollama is not reachable")
	// ErrModelMissing: the model is not installed on the server.
	ErrModelMissing = errors.New("model is not installed")
	// ErrNoTools: the request declares tools but the model cannot call them.
	ErrNoTools = errors.New("model does not support tools")
	// ErrContextTooSmall: the conversation does not fit into num_ctx.
	ErrContextTooSmall = errors.New("context window too small")
	// ErrServer: the server answered with an error of its own (HTTP or mid-stream).
	ErrServer = errors.New("ollama server error")
)

// Error is what this package returns for failures a user can act on: Msg is
// the sentence to show, Kind the sentinel to branch on, Err the cause.
type Error struct {
	Kind error
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }

// Is reports whether target is the error's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

func (e *Error) Unwrap() error { return e.Err }

// suggestedToolModel is named when a model cannot call tools.
const suggestedToolModel = "qwen3:8b"

// inputTooLong is the runner's message when the prompt exceeds num_ctx and
// truncation is off (runner/llamarunner and runner/ollamarunner, v0.17.4).
const inputTooLong = "input length exceeds the context length"

func unreachableError(host string, err error) error {
	return &Error{
		Kind: ErrUnreachable,
		Msg:  fmt.Sprintf("Ollama is not reachable at %s: start it with `ollama serve` (or set OLLAMA_HOST)", host),
		Err:  err,
	}
}

func modelMissingError(model string, err error) error {
	return &Error{
		Kind: ErrModelMissing,
		Msg:  fmt.Sprintf("model '%s' is not installed: run `ollama pull %s`", model, model),
		Err:  err,
	}
}

func noToolsError(model string, err error) error {
	return &Error{
		Kind: ErrNoTools,
		Msg:  fmt.Sprintf("model %s does not support tools; pick a tool-capable model such as %s", model, suggestedToolModel),
		Err:  err,
	}
}

func contextTooSmallError(model string, numCtx, promptTokens int, err error) error {
	msg := fmt.Sprintf("the conversation does not fit into the context window of model %s (num_ctx %d): raise num_ctx (Config.NumCtx) or start a new conversation", model, numCtx)
	if promptTokens > 0 {
		msg = fmt.Sprintf("the conversation uses %d tokens, at or over the context window of model %s (num_ctx %d): raise num_ctx (Config.NumCtx) or start a new conversation", promptTokens, model, numCtx)
	}
	return &Error{Kind: ErrContextTooSmall, Msg: msg, Err: err}
}

// classify turns an error from the ollama/api client into one of ours. what
// names the operation ("chat with qwen3:8b") for the generic fallback.
func (c *Client) classify(ctx context.Context, err error, model, what string) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", what, ctxErr)
	}
	var statusErr api.StatusError
	if errors.As(err, &statusErr) {
		msg := statusErr.ErrorMessage
		switch {
		case statusErr.StatusCode == http.StatusNotFound && strings.Contains(msg, "not found") && model != "":
			return modelMissingError(model, err)
		case strings.Contains(msg, "does not support tools"):
			return noToolsError(model, err)
		case strings.Contains(msg, inputTooLong):
			return contextTooSmallError(model, c.numCtx, 0, err)
		}
		return &Error{Kind: ErrServer, Msg: fmt.Sprintf("%s failed: Ollama answered %d: %s", what, statusErr.StatusCode, oneLine(msg)), Err: err}
	}
	var authErr api.AuthorizationError
	if errors.As(err, &authErr) {
		return &Error{Kind: ErrServer, Msg: fmt.Sprintf("%s failed: Ollama at %s asks for authorization", what, c.host), Err: err}
	}
	if isConnectionError(err) {
		return unreachableError(c.host, err)
	}
	// The client turns an {"error":...} line inside a 200 stream into a plain error.
	if strings.Contains(err.Error(), inputTooLong) {
		return contextTooSmallError(model, c.numCtx, 0, err)
	}
	return &Error{Kind: ErrServer, Msg: fmt.Sprintf("%s failed: %s", what, oneLine(err.Error())), Err: err}
}

// isConnectionError reports failures to reach the server at all (refused,
// no route, DNS), as opposed to errors the server answered with.
func isConnectionError(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// oneLine keeps a server-supplied message to one line of bounded length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const maxLen = 300
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return s
}

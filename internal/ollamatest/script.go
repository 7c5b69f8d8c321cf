// Package ollamatest runs Ollama for tests: Fake is an in-process server
// speaking Ollama's /api protocol with scripted replies (fast, for every
// test); StartReal runs the real Ollama server with a tiny scripted model
// (for integration tests, when the server binary has been built).
package ollamatest

import (
	"time"

	"github.com/ollama/ollama/api"
)

// Script is what a Fake knows and answers.
type Script struct {
	// Version is what /api/version reports (default "0.17.4").
	Version string
	// Models are installed. Default: one model "fake:latest" with the
	// completion and tools capabilities.
	Models []Model
	// Replies answer /api/chat requests in order, one per request. A request
	// after the last reply fails the test.
	Replies []Reply
	// Respond, when set, answers every /api/chat request instead of Replies;
	// n counts chat requests from 0.
	Respond func(n int, req api.ChatRequest) Reply
	// Pullable models can be pulled (/api/pull); a successful pull installs
	// them. Pulling any other model streams the real server's error.
	Pullable []Model
}

// Model is one model the fake knows.
type Model struct {
	// Name as clients write it; "x" and "x:latest" are the same model.
	Name string
	// Capabilities as /api/show reports them (default: completion, tools).
	Capabilities []string
	// ContextLength is reported as <family>.context_length (default 4096).
	ContextLength int
	Family        string // default "llama"
	Size          int64  // bytes (default 4 MiB)
	ModifiedAt    time.Time
}

// Reply is one scripted answer to /api/chat, streamed the way Ollama v0.17.4
// streams it: one chunk per thinking delta, then one per text delta, then
// each tool call in a chunk of its own with empty content, then a separate
// done chunk.
type Reply struct {
	Thinking  []string
	Text      []string
	ToolCalls []ToolCall
	// DoneReason of the final chunk (default "stop").
	DoneReason string
	// PromptEvalCount and EvalCount are reported on the final chunk
	// (defaults: a count derived from the request size, and the number of
	// chunks streamed).
	PromptEvalCount int
	EvalCount       int

	// StreamError, when set, ends the stream after the deltas with an
	// {"error": ...} line inside the HTTP 200 response, as the real server
	// does when the model fails mid-reply.
	StreamError string
	// Status, when set, answers with this HTTP status and {"error": Error}
	// before any streaming (for example 500 on a crashed runner).
	Status int
	Error  string
}

// ToolCall is one scripted call. Arguments is a JSON object ("" means {});
// the fake keeps its key order on the wire (the real server's generic tool
// parser does not: it rebuilds the arguments from a Go map).
type ToolCall struct {
	Name      string
	Arguments string
}

// TextReply answers with text, one chunk per part.
func TextReply(parts ...string) Reply { return Reply{Text: parts} }

// ToolCallReply answers with one tool call.
func ToolCallReply(name, argumentsJSON string) Reply {
	return Reply{ToolCalls: []ToolCall{{Name: name, Arguments: argumentsJSON}}}
}

// Capability names as /api/show reports them.
const (
	CapCompletion = "completion"
	CapTools      = "tools"
	CapThinking   = "thinking"
)

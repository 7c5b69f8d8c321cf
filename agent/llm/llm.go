// Package llm is the vocabulary the engine uses to talk to a language model:
// messages, tool declarations, tool calls and streamed events. Providers
// (Ollama) translate these to and from their own wire types.
package llm

import (
	"context"
	"encoding/json"
	"errors"
)

// ErrEmptyReply is what a Chatter returns (wrapped) when the model ended its
// turn with neither text nor a tool call — with Ollama, what a call to a tool
// that was not offered turns into.
var ErrEmptyReply = errors.New("empty reply")

// Role of a message in a conversation.
type Role string

const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one turn of a conversation.
type Message struct {
	Role      Role       `json:"role"`
	Content   string     `json:"content"`
	Thinking  string     `json:"thinking,omitempty"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"` // assistant messages
	ToolName  string     `json:"tool_name,omitempty"`  // tool-result messages: which tool answered
}

// ToolCall is the model asking for a tool. Arguments keep the model's order
// and raw JSON: they are untrusted until validated against the tool's schema.
type ToolCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// Tool declares a tool to the model.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"` // JSON Schema (object)
}

// Request is one chat completion request.
type Request struct {
	Model    string
	Messages []Message
	Tools    []Tool
	// Format, when set, is a JSON schema the reply must follow (structured output).
	Format json.RawMessage
	// Think asks for the model's reasoning separately when it supports it.
	Think bool
	// Temperature etc. are left to the model's defaults unless set.
	Temperature *float64
}

// EventKind says what a streamed event carries.
type EventKind string

const (
	EventText     EventKind = "text"      // a content delta
	EventThinking EventKind = "thinking"  // a thinking delta
	EventToolCall EventKind = "tool_call" // one complete tool call
)

// Event is one piece of a streamed reply.
type Event struct {
	Kind     EventKind
	Text     string
	ToolCall *ToolCall
}

// Reply is the whole assistant message once the stream is done.
type Reply struct {
	Message         Message
	PromptTokens    int
	CompletionToken int
	DoneReason      string
}

// Chatter streams one chat completion. onEvent is called in order from the
// caller's goroutine of Chat (never concurrently); it may be nil.
type Chatter interface {
	Chat(ctx context.Context, req Request, onEvent func(Event)) (Reply, error)
}

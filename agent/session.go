// Package agent is driftdeck's engine: a conversation with the model in which
// read tools run at once and write tools only create proposals. It knows no
// UI; front ends (the TUI, `driftdeck ask`, the SSH server) drive a Session
// and render its events.
package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/driftdeck/driftdeck/agent/llm"
)

// ToolResult is what a tool returns to the model.
type ToolResult struct {
	Content    string // already budgeted and wrapped as untrusted data where needed
	IsError    bool
	ProposalID string // set when a write tool created a proposal
}

// ToolRunner is the tool catalog as the session needs it.
type ToolRunner interface {
	Tools() []llm.Tool
	// IsRead reports whether name is a read tool (safe to run concurrently).
	IsRead(name string) bool
	Execute(ctx context.Context, call llm.ToolCall) ToolResult
}

// Recorder receives every step for the journal. It may be nil.
type Recorder interface {
	Record(ctx context.Context, kind, subject string, data any) error
}

// Config tunes a session. Zero values take the documented defaults.
type Config struct {
	Model       string
	ReadOnly    bool
	MaxSteps    int           // model calls per turn; default 8
	ToolTimeout time.Duration // per read tool call; default 30s
	Parallel    int           // concurrent read tools; default 4
	// RepeatLimit is how many times the same call with the same result is
	// tolerated before the turn stops as a loop; default 2.
	RepeatLimit int
}

func (c Config) withDefaults() Config {
	if c.MaxSteps <= 0 {
		c.MaxSteps = 8
	}
	if c.ToolTimeout <= 0 {
		c.ToolTimeout = 30 * time.Second
	}
	if c.Parallel <= 0 {
		c.Parallel = 4
	}
	if c.RepeatLimit <= 0 {
		c.RepeatLimit = 2
	}
	return c
}

// EventKind says what a session event carries.
type EventKind string

const (
	EventText      EventKind = "text"       // answer delta
	EventThinking  EventKind = "thinking"   // reasoning delta
	EventToolStart EventKind = "tool_start" // a tool call begins
	EventToolEnd   EventKind = "tool_end"   // a tool call ended (Result set)
	EventProposal  EventKind = "proposal"   // a write tool created a proposal
	EventNotice    EventKind = "notice"     // the session stopped or bounded something
)

// Event is one thing that happened during a turn, for a front end.
type Event struct {
	Kind       EventKind
	Text       string
	Tool       string
	Arguments  json.RawMessage
	Result     *ToolResult
	ProposalID string
}

// ToolTrace is one tool call of a turn.
type ToolTrace struct {
	Name       string          `json:"name"`
	Arguments  json.RawMessage `json:"arguments"`
	IsError    bool            `json:"is_error"`
	ProposalID string          `json:"proposal_id,omitempty"`
	Result     string          `json:"result"`
}

// Turn is the outcome of one question.
type Turn struct {
	Reply      string      `json:"reply"`
	Tools      []ToolTrace `json:"tools"`
	Proposals  []string    `json:"proposals"`
	Steps      int         `json:"steps"`
	StopReason string      `json:"stop_reason"` // answered | step_limit | loop
	// Warnings say what the turn could not record in the journal.
	Warnings []string `json:"warnings,omitempty"`
}

// Session is one conversation.
type Session struct {
	id    string
	cfg   Config
	model llm.Chatter
	tools ToolRunner
	rec   Recorder
	store ConversationStore

	mu   sync.Mutex // one turn at a time
	msgs []llm.Message
	// journalErrs are failures to record steps during the current turn;
	// they are reported with the turn, never silently dropped.
	journalErrs []string
}

// ConversationStore persists conversations so they can be resumed.
type ConversationStore interface {
	Save(ctx context.Context, id string, msgs []llm.Message) error
	Load(ctx context.Context, id string) ([]llm.Message, error)
}

// NewSession starts (or, when store holds id, resumes) a conversation.
func NewSession(ctx context.Context, id string, cfg Config, model llm.Chatter, tools ToolRunner, rec Recorder, store ConversationStore) (*Session, error) {
	s := &Session{id: id, cfg: cfg.withDefaults(), model: model, tools: tools, rec: rec, store: store}
	if store != nil {
		msgs, err := store.Load(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("resume conversation %s: %w", id, err)
		}
		s.msgs = msgs
	}
	if len(s.msgs) == 0 {
		prompt := systemPrompt
		if s.cfg.ReadOnly {
			prompt += readOnlyNote
		}
		s.msgs = []llm.Message{{Role: llm.RoleSystem, Content: prompt}}
	}
	return s, nil
}

// SetModel switches the model for the next turns.
func (s *Session) SetModel(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Model = name
}

// ID is the conversation id.
func (s *Session) ID() string { return s.id }

// Messages returns a copy of the conversation so far.
func (s *Session) Messages() []llm.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]llm.Message(nil), s.msgs...)
}

// Ask runs one turn: the model investigates with tools until it answers, the
// step limit is reached, or it loops. onEvent may be nil.
func (s *Session) Ask(ctx context.Context, text string, onEvent func(Event)) (Turn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if onEvent == nil {
		onEvent = func(Event) {}
	}
	s.journalErrs = nil
	turn, err := s.ask(ctx, text, onEvent)
	for _, w := range s.journalErrs {
		onEvent(Event{Kind: EventNotice, Text: w})
	}
	turn.Warnings = s.journalErrs
	return turn, err
}

func (s *Session) ask(ctx context.Context, text string, onEvent func(Event)) (Turn, error) {
	s.msgs = append(s.msgs, llm.Message{Role: llm.RoleUser, Content: text})
	s.record(ctx, "turn", map[string]any{"role": "user", "content": text})

	var turn Turn
	seen := map[string]int{} // call+result fingerprint -> times seen
	nudged := false
	for turn.Steps < s.cfg.MaxSteps {
		turn.Steps++
		reply, err := s.model.Chat(ctx, llm.Request{Model: s.cfg.Model, Messages: s.msgs, Tools: s.tools.Tools()}, func(e llm.Event) {
			switch e.Kind {
			case llm.EventText:
				onEvent(Event{Kind: EventText, Text: e.Text})
			case llm.EventThinking:
				onEvent(Event{Kind: EventThinking, Text: e.Text})
			}
		})
		if errors.Is(err, llm.ErrEmptyReply) && !nudged {
			// Usually a call to a tool that does not exist, which the
			// server drops: say so once and let the model try again.
			nudged = true
			s.msgs = append(s.msgs, llm.Message{Role: llm.RoleUser, Content: "Your last reply was empty: a call to a tool that does not exist is dropped. Use only these tools: " + toolNames(s.tools.Tools()) + ". Otherwise answer in text."})
			onEvent(Event{Kind: EventNotice, Text: "the model's reply was empty (a call to an unknown tool?); asked it to retry"})
			continue
		}
		if err != nil {
			s.save(ctx)
			return turn, err
		}
		msg := reply.Message
		msg.Role = llm.RoleAssistant
		s.msgs = append(s.msgs, msg)
		if len(msg.ToolCalls) == 0 {
			turn.Reply = msg.Content
			turn.StopReason = "answered"
			s.record(ctx, "turn", map[string]any{"role": "assistant", "content": msg.Content, "steps": turn.Steps})
			s.save(ctx)
			return turn, nil
		}
		results := s.runTools(ctx, msg.ToolCalls, onEvent)
		looped := false
		for i, call := range msg.ToolCalls {
			res := results[i]
			fp := fingerprint(call, res.Content)
			seen[fp]++
			if seen[fp] > s.cfg.RepeatLimit {
				looped = true
			} else if seen[fp] == s.cfg.RepeatLimit {
				res.Content += fmt.Sprintf("\n\nNote: you have now called %s with these arguments %d times and got the same result. Do not call it again; answer with what you have.", call.Name, seen[fp])
			}
			s.msgs = append(s.msgs, llm.Message{Role: llm.RoleTool, ToolName: call.Name, Content: res.Content})
			turn.Tools = append(turn.Tools, ToolTrace{Name: call.Name, Arguments: call.Arguments, IsError: res.IsError, ProposalID: res.ProposalID, Result: res.Content})
			if res.ProposalID != "" {
				turn.Proposals = append(turn.Proposals, res.ProposalID)
			}
		}
		if looped {
			turn.StopReason = "loop"
			turn.Reply = "I stopped: the model kept repeating the same tool call with the same result. The findings gathered so far are above; ask a narrower question."
			onEvent(Event{Kind: EventNotice, Text: turn.Reply})
			s.msgs = append(s.msgs, llm.Message{Role: llm.RoleAssistant, Content: turn.Reply})
			s.record(ctx, "turn", map[string]any{"role": "assistant", "content": turn.Reply, "stop": "loop", "steps": turn.Steps})
			s.save(ctx)
			return turn, nil
		}
	}
	turn.StopReason = "step_limit"
	turn.Reply = fmt.Sprintf("I stopped after %d model steps without a final answer. Proposals made so far are listed; ask a narrower question to continue.", s.cfg.MaxSteps)
	onEvent(Event{Kind: EventNotice, Text: turn.Reply})
	s.msgs = append(s.msgs, llm.Message{Role: llm.RoleAssistant, Content: turn.Reply})
	s.record(ctx, "turn", map[string]any{"role": "assistant", "content": turn.Reply, "stop": "step_limit", "steps": turn.Steps})
	s.save(ctx)
	return turn, nil
}

// Feedback adds a message the engineer's front end wants the model to see
// before the next turn, such as a rejection reason.
func (s *Session) Feedback(ctx context.Context, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, llm.Message{Role: llm.RoleUser, Content: text})
	s.record(ctx, "turn", map[string]any{"role": "user", "content": text, "feedback": true})
	s.save(ctx)
}

// runTools runs one step's tool calls: read tools concurrently (bounded, with
// a timeout each), write tools one by one in the model's order. Results keep
// the calls' order.
func (s *Session) runTools(ctx context.Context, calls []llm.ToolCall, onEvent func(Event)) []ToolResult {
	results := make([]ToolResult, len(calls))
	for _, c := range calls {
		onEvent(Event{Kind: EventToolStart, Tool: c.Name, Arguments: c.Arguments})
		s.record(ctx, "tool_call", map[string]any{"tool": c.Name, "arguments": c.Arguments})
	}
	sem := make(chan struct{}, s.cfg.Parallel)
	var wg sync.WaitGroup
	for i, c := range calls {
		if !s.tools.IsRead(c.Name) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tctx, cancel := context.WithTimeout(ctx, s.cfg.ToolTimeout)
			defer cancel()
			results[i] = s.tools.Execute(tctx, c)
			if errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
				results[i] = ToolResult{IsError: true, Content: fmt.Sprintf("%s timed out after %s; try a narrower query.", c.Name, s.cfg.ToolTimeout)}
			}
		}()
	}
	wg.Wait()
	for i, c := range calls {
		if s.tools.IsRead(c.Name) {
			continue
		}
		results[i] = s.tools.Execute(ctx, c)
	}
	for i, c := range calls {
		r := results[i]
		onEvent(Event{Kind: EventToolEnd, Tool: c.Name, Arguments: c.Arguments, Result: &r})
		if r.ProposalID != "" {
			onEvent(Event{Kind: EventProposal, ProposalID: r.ProposalID})
		}
		s.record(ctx, "tool_result", map[string]any{"tool": c.Name, "is_error": r.IsError, "proposal_id": r.ProposalID, "bytes": len(r.Content)})
	}
	return results
}

func (s *Session) record(ctx context.Context, kind string, data any) {
	if s.rec == nil {
		return
	}
	// A journal failure must not lose the engineer's turn, but it must be
	// seen: the turn carries it as a warning.
	if err := s.rec.Record(ctx, kind, s.id, data); err != nil {
		s.journalErrs = append(s.journalErrs, fmt.Sprintf("journal: %s was not recorded: %v", kind, err))
	}
}

func (s *Session) save(ctx context.Context) {
	if s.store != nil {
		_ = s.store.Save(ctx, s.id, s.msgs)
	}
}

// fingerprint identifies a call by tool, canonicalised arguments and result.
func fingerprint(c llm.ToolCall, result string) string {
	var v any
	args := string(c.Arguments)
	if json.Unmarshal(c.Arguments, &v) == nil {
		if b, err := json.Marshal(v); err == nil { // map keys sorted
			args = string(b)
		}
	}
	h := sha256.Sum256([]byte(c.Name + "\x00" + strings.TrimSpace(args) + "\x00" + result))
	return hex.EncodeToString(h[:])
}

func toolNames(ts []llm.Tool) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

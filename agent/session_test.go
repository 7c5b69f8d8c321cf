package agent

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/driftdeck/driftdeck/agent/llm"
)

// scriptedModel replies with the next scripted message on every call and
// records the requests it saw.
type scriptedModel struct {
	mu      sync.Mutex
	replies []llm.Message
	seen    []llm.Request
}

func (m *scriptedModel) Chat(_ context.Context, req llm.Request, onEvent func(llm.Event)) (llm.Reply, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = append(m.seen, req)
	i := len(m.seen) - 1
	if i >= len(m.replies) {
		i = len(m.replies) - 1
	}
	msg := m.replies[i]
	if msg.Content != "" && onEvent != nil {
		onEvent(llm.Event{Kind: llm.EventText, Text: msg.Content})
	}
	return llm.Reply{Message: msg}, nil
}

type fakeTools struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeTools) Tools() []llm.Tool {
	return []llm.Tool{{Name: "list_zones"}, {Name: "change_dns_record"}}
}
func (f *fakeTools) IsRead(name string) bool { return name == "list_zones" }
func (f *fakeTools) Execute(_ context.Context, c llm.ToolCall) ToolResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c.Name)
	if c.Name == "change_dns_record" {
		return ToolResult{Content: "proposal P-1 created; it waits for a human", ProposalID: "P-1"}
	}
	return ToolResult{Content: "example.com\nexample.net"}
}

func call(name, args string) llm.ToolCall {
	return llm.ToolCall{Name: name, Arguments: json.RawMessage(args)}
}

func TestAskRunsToolsAndCollectsProposals(t *testing.T) {
	model := &scriptedModel{replies: []llm.Message{
		{ToolCalls: []llm.ToolCall{call("list_zones", `{}`)}},
		{ToolCalls: []llm.ToolCall{call("change_dns_record", `{"zone":"example.com","action":"create"}`)}},
		{Content: "I proposed P-1."},
	}}
	tools := &fakeTools{}
	s, err := NewSession(context.Background(), "c1", Config{Model: "m"}, model, tools, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var events []EventKind
	turn, err := s.Ask(context.Background(), "fix www", func(e Event) { events = append(events, e.Kind) })
	if err != nil {
		t.Fatal(err)
	}
	if turn.StopReason != "answered" || turn.Reply != "I proposed P-1." || turn.Steps != 3 {
		t.Fatalf("turn = %+v", turn)
	}
	if len(turn.Proposals) != 1 || turn.Proposals[0] != "P-1" {
		t.Fatalf("proposals = %v", turn.Proposals)
	}
	if strings.Join(tools.calls, ",") != "list_zones,change_dns_record" {
		t.Fatalf("calls = %v", tools.calls)
	}
	// The second request must carry the first tool result back to the model.
	last := model.seen[1].Messages[len(model.seen[1].Messages)-1]
	if last.Role != llm.RoleTool || last.ToolName != "list_zones" || !strings.Contains(last.Content, "example.net") {
		t.Fatalf("tool result not sent back: %+v", last)
	}
	if !containsKind(events, EventProposal) || !containsKind(events, EventText) {
		t.Fatalf("events = %v", events)
	}
}

func TestAskStopsALoopingModel(t *testing.T) {
	model := &scriptedModel{replies: []llm.Message{{ToolCalls: []llm.ToolCall{call("list_zones", `{"a":1}`)}}}}
	tools := &fakeTools{}
	s, _ := NewSession(context.Background(), "c2", Config{Model: "m", MaxSteps: 20}, model, tools, nil, nil)
	turn, err := s.Ask(context.Background(), "loop", nil)
	if err != nil {
		t.Fatal(err)
	}
	if turn.StopReason != "loop" {
		t.Fatalf("stop = %s after %d steps", turn.StopReason, turn.Steps)
	}
	if len(tools.calls) != 3 {
		t.Fatalf("the loop ran %d calls, want it stopped at the third repeat", len(tools.calls))
	}
	// The model was warned before being cut off.
	warned := false
	for _, m := range model.seen[len(model.seen)-1].Messages {
		if m.Role == llm.RoleTool && strings.Contains(m.Content, "Do not call it again") {
			warned = true
		}
	}
	if !warned {
		t.Fatal("the model was never told it is repeating itself")
	}
}

func TestAskHonoursTheStepLimit(t *testing.T) {
	// Different arguments each time: not a loop, but it never answers.
	model := &stepModel{}
	s, _ := NewSession(context.Background(), "c3", Config{Model: "m", MaxSteps: 3}, model, &fakeTools{}, nil, nil)
	turn, err := s.Ask(context.Background(), "go", nil)
	if err != nil {
		t.Fatal(err)
	}
	if turn.StopReason != "step_limit" || turn.Steps != 3 || model.n != 3 {
		t.Fatalf("turn = %+v, model calls %d", turn, model.n)
	}
}

type stepModel struct{ n int }

func (m *stepModel) Chat(context.Context, llm.Request, func(llm.Event)) (llm.Reply, error) {
	m.n++
	args, _ := json.Marshal(map[string]int{"page": m.n})
	return llm.Reply{Message: llm.Message{ToolCalls: []llm.ToolCall{{Name: "list_zones", Arguments: args}}}}, nil
}

func TestConversationsResume(t *testing.T) {
	ctx := context.Background()
	store, err := OpenConversations(ctx, filepath.Join(t.TempDir(), "conv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	model := &scriptedModel{replies: []llm.Message{{Content: "first answer"}}}
	s, _ := NewSession(ctx, "c4", Config{Model: "m"}, model, &fakeTools{}, nil, store)
	if _, err := s.Ask(ctx, "hello", nil); err != nil {
		t.Fatal(err)
	}
	resumed, err := NewSession(ctx, "c4", Config{Model: "m"}, model, &fakeTools{}, nil, store)
	if err != nil {
		t.Fatal(err)
	}
	msgs := resumed.Messages()
	if len(msgs) != 3 || msgs[1].Content != "hello" || msgs[2].Content != "first answer" {
		t.Fatalf("resumed messages = %+v", msgs)
	}
	if id, _ := store.Latest(ctx); id != "c4" {
		t.Fatalf("latest = %q", id)
	}
}

func containsKind(ks []EventKind, k EventKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

type failingRecorder struct{}

func (failingRecorder) Record(context.Context, string, string, any) error {
	return errors.New("disk full")
}

func TestJournalFailuresAreReportedNotDropped(t *testing.T) {
	model := &scriptedModel{replies: []llm.Message{{Content: "ok"}}}
	s, _ := NewSession(context.Background(), "c5", Config{Model: "m"}, model, &fakeTools{}, failingRecorder{}, nil)
	var notices []string
	turn, err := s.Ask(context.Background(), "hi", func(e Event) {
		if e.Kind == EventNotice {
			notices = append(notices, e.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(turn.Warnings) == 0 || len(notices) != len(turn.Warnings) || !strings.Contains(turn.Warnings[0], "disk full") {
		t.Fatalf("warnings %v, notices %v", turn.Warnings, notices)
	}
}

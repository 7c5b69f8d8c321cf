package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/internal/ollamatest"
)

var testTools = []llm.Tool{
	{Name: "list_zones", Description: "List the zones.", Parameters: json.RawMessage(`{"type":"object","properties":{}}`)},
	{Name: "change_dns_record", Description: "Propose a DNS change.", Parameters: json.RawMessage(`{
		"type":"object","required":["zone","action"],
		"properties":{
			"zone":{"type":"string","description":"zone name"},
			"action":{"type":"string","enum":["create","update","delete"]},
			"record":{"type":"object","properties":{"type":{"type":"string"},"ttl":{"type":["integer","null"]}}}}}`)},
}

func newTestClient(t *testing.T, host, model string) *Client {
	t.Helper()
	c, err := New(Config{Host: host, Model: model})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func userAsks(text string) []llm.Message {
	return []llm.Message{{Role: llm.RoleSystem, Content: "You are driftdeck."}, {Role: llm.RoleUser, Content: text}}
}

func TestChatStreamsTextDeltasInOrder(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{ollamatest.TextReply("All", " zones", " look", " fine.")}})
	c := newTestClient(t, fake.URL, "fake")
	var events []llm.Event
	reply, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("status?")}, func(ev llm.Event) { events = append(events, ev) })
	if err != nil {
		t.Fatal(err)
	}
	if reply.Message.Content != "All zones look fine." || reply.Message.Role != llm.RoleAssistant {
		t.Fatalf("reply = %+v", reply.Message)
	}
	var streamed []string
	for _, ev := range events {
		if ev.Kind != llm.EventText {
			t.Fatalf("unexpected event %+v", ev)
		}
		streamed = append(streamed, ev.Text)
	}
	if strings.Join(streamed, "|") != "All| zones| look| fine." {
		t.Fatalf("text deltas = %q", streamed)
	}
	if reply.DoneReason != "stop" || reply.PromptTokens == 0 || reply.CompletionToken == 0 {
		t.Fatalf("done reason / counts = %q %d %d", reply.DoneReason, reply.PromptTokens, reply.CompletionToken)
	}
}

func TestChatCollectsToolCallFromItsOwnChunk(t *testing.T) {
	args := `{"zone": "example.com", "action": "create", "record": {"type": "A", "name": "canary.example.com"}}`
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{
		{Text: []string{"Let me check."}, ToolCalls: []ollamatest.ToolCall{{Name: "list_zones"}, {Name: "change_dns_record", Arguments: args}}},
	}})
	c := newTestClient(t, fake.URL, "fake")
	var calls []llm.ToolCall
	reply, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("add a canary"), Tools: testTools}, func(ev llm.Event) {
		if ev.Kind == llm.EventToolCall {
			calls = append(calls, *ev.ToolCall)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Message.ToolCalls) != 2 || len(calls) != 2 {
		t.Fatalf("tool calls: reply %d, events %d", len(reply.Message.ToolCalls), len(calls))
	}
	if got := reply.Message.ToolCalls[0]; got.Name != "list_zones" || string(got.Arguments) != "{}" {
		t.Fatalf("first call = %s %s", got.Name, got.Arguments)
	}
	got := reply.Message.ToolCalls[1]
	// The model's key order survives (zone, action, record), which a plain map would lose.
	if want := `{"zone":"example.com","action":"create","record":{"name":"canary.example.com","type":"A"}}`; string(got.Arguments) != want {
		t.Fatalf("arguments = %s, want %s", got.Arguments, want)
	}
	if reply.Message.Content != "Let me check." {
		t.Fatalf("content = %q", reply.Message.Content)
	}
}

func TestChatSendsNumCtxKeepAliveAndNoSilentTruncation(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{ollamatest.TextReply("ok")}})
	c, err := New(Config{Host: fake.URL, Model: "fake", NumCtx: 8192})
	if err != nil {
		t.Fatal(err)
	}
	temp := 0.2
	format := json.RawMessage(`{"type":"object","properties":{"risk":{"type":"string"}}}`)
	if _, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x"), Tools: testTools, Format: format, Temperature: &temp}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := fake.ChatRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d chat requests", len(reqs))
	}
	req := reqs[0]
	if req.Options["num_ctx"] != float64(8192) || req.Options["temperature"] != 0.2 {
		t.Fatalf("options = %v", req.Options)
	}
	if req.KeepAlive == nil || req.KeepAlive.Duration != DefaultKeepAlive {
		t.Fatalf("keep_alive = %v", req.KeepAlive)
	}
	if req.Truncate == nil || *req.Truncate || req.Shift == nil || *req.Shift {
		t.Fatalf("truncate/shift must be false: %v %v", req.Truncate, req.Shift)
	}
	if string(req.Format) != string(format) {
		t.Fatalf("format = %s", req.Format)
	}
	if req.Think != nil {
		t.Fatalf("think sent to a model without thinking: %v", req.Think.Value)
	}
	if len(req.Tools) != 2 || req.Tools[1].Type != "function" {
		t.Fatalf("tools = %v", req.Tools)
	}
	params := req.Tools[1].Function.Parameters
	action, ok := params.Properties.Get("action")
	if !ok || len(action.Enum) != 3 || strings.Join(params.Required, ",") != "zone,action" {
		t.Fatalf("schema of change_dns_record lost: %s", params.String())
	}
	if ttl, _ := params.Properties.Get("record"); ttl.Properties == nil {
		t.Fatalf("nested properties lost: %s", params.String())
	}
}

func TestChatDefaultNumCtxIsAlwaysSent(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{ollamatest.TextReply("ok")}})
	c := newTestClient(t, fake.URL, "fake")
	if _, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x")}, nil); err != nil {
		t.Fatal(err)
	}
	if got := fake.ChatRequests()[0].Options["num_ctx"]; got != float64(DefaultNumCtx) {
		t.Fatalf("num_ctx = %v, want %d", got, DefaultNumCtx)
	}
}

func TestChatSendsHistoryWithToolCallsAndResults(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{ollamatest.TextReply("done")}})
	c := newTestClient(t, fake.URL, "fake")
	history := append(userAsks("add a canary"),
		llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{Name: "change_dns_record", Arguments: json.RawMessage(`{"zone":"example.com","action":"create"}`)}}},
		llm.Message{Role: llm.RoleTool, ToolName: "change_dns_record", Content: `{"proposal":"p-1"}`},
	)
	if _, err := c.Chat(context.Background(), llm.Request{Messages: history, Tools: testTools}, nil); err != nil {
		t.Fatal(err)
	}
	msgs := fake.ChatRequests()[0].Messages
	if len(msgs) != 4 {
		t.Fatalf("%d messages sent", len(msgs))
	}
	call := msgs[2].ToolCalls[0].Function
	if msgs[2].Role != "assistant" || call.Name != "change_dns_record" || call.Arguments.String() != `{"zone":"example.com","action":"create"}` {
		t.Fatalf("assistant tool call sent as %+v", msgs[2])
	}
	if msgs[3].Role != "tool" || msgs[3].ToolName != "change_dns_record" || msgs[3].Content != `{"proposal":"p-1"}` {
		t.Fatalf("tool result sent as %+v", msgs[3])
	}
}

func TestChatRejectsArgumentsThatAreNotAnObject(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{})
	c := newTestClient(t, fake.URL, "fake")
	history := append(userAsks("x"), llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{Name: "list_zones", Arguments: json.RawMessage(`[1]`)}}})
	_, err := c.Chat(context.Background(), llm.Request{Messages: history}, nil)
	if err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Fatalf("err = %v", err)
	}
}

func TestChatThinkingOnlyForThinkingModels(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{
		Models: []ollamatest.Model{{Name: "thinker", Capabilities: []string{"completion", "tools", "thinking"}}},
		Replies: []ollamatest.Reply{
			{Thinking: []string{"Zones", " first."}, Text: []string{"Done."}},
			ollamatest.TextReply("plain"),
		},
	})
	c := newTestClient(t, fake.URL, "thinker")
	var kinds []llm.EventKind
	reply, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x"), Think: true}, func(ev llm.Event) { kinds = append(kinds, ev.Kind) })
	if err != nil {
		t.Fatal(err)
	}
	if reply.Message.Thinking != "Zones first." || reply.Message.Content != "Done." {
		t.Fatalf("reply = %+v", reply.Message)
	}
	if len(kinds) != 3 || kinds[0] != llm.EventThinking || kinds[2] != llm.EventText {
		t.Fatalf("events = %v", kinds)
	}
	// Think:false must be sent explicitly: a thinking model thinks by default.
	if _, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("y")}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := fake.ChatRequests()
	if reqs[0].Think == nil || !reqs[0].Think.Bool() || reqs[1].Think == nil || reqs[1].Think.Bool() {
		t.Fatalf("think values sent: %v, %v", reqs[0].Think, reqs[1].Think)
	}
}

func TestChatRefusesToolsForModelWithoutToolSupportBeforeSending(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Models: []ollamatest.Model{{Name: "tiny", Capabilities: []string{"completion"}}}})
	c := newTestClient(t, fake.URL, "tiny")
	_, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x"), Tools: testTools}, nil)
	if !errors.Is(err, ErrNoTools) {
		t.Fatalf("err = %v, want ErrNoTools", err)
	}
	if want := "model tiny does not support tools; pick a tool-capable model such as qwen3:8b"; err.Error() != want {
		t.Fatalf("message = %q", err.Error())
	}
	if n := len(fake.ChatRequests()); n != 0 {
		t.Fatalf("%d chat requests sent to a model without tools", n)
	}
}

func TestChatMapsServerToolRefusal(t *testing.T) {
	// Capabilities changed behind the client's back: the server's 400 still reads as ErrNoTools.
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{{Status: 400, Error: "registry.ollama.ai/library/fake:latest does not support tools"}}})
	c := newTestClient(t, fake.URL, "fake")
	_, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x"), Tools: testTools}, nil)
	if !errors.Is(err, ErrNoTools) {
		t.Fatalf("err = %v, want ErrNoTools", err)
	}
}

func TestChatUnknownModel(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{})
	c := newTestClient(t, fake.URL, "qwen3:8b")
	_, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x")}, nil)
	if !errors.Is(err, ErrModelMissing) {
		t.Fatalf("err = %v, want ErrModelMissing", err)
	}
	if want := "model 'qwen3:8b' is not installed: run `ollama pull qwen3:8b`"; err.Error() != want {
		t.Fatalf("message = %q", err.Error())
	}
}

func TestChatServerNotRunning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := newTestClient(t, addr, "qwen3:8b")
	_, err = c.Chat(context.Background(), llm.Request{Messages: userAsks("x")}, nil)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if want := "Ollama is not reachable at http://" + addr + ": start it with `ollama serve` (or set OLLAMA_HOST)"; err.Error() != want {
		t.Fatalf("message = %q", err.Error())
	}
}

func TestChatErrorInsideA200Stream(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{{Text: []string{"Half"}, StreamError: "llama runner process has terminated: signal: killed"}}})
	c := newTestClient(t, fake.URL, "fake")
	reply, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x")}, nil)
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "llama runner process has terminated") {
		t.Fatalf("err = %v, want ErrServer naming the cause", err)
	}
	if reply.Message.Content != "Half" {
		t.Fatalf("partial reply = %q", reply.Message.Content)
	}
}

func TestChatContextTooSmall(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{{Text: []string{"x"}, PromptEvalCount: 5000}}})
	c, err := New(Config{Host: fake.URL, Model: "fake", NumCtx: 4096})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Chat(context.Background(), llm.Request{Messages: userAsks("a long incident")}, nil)
	if !errors.Is(err, ErrContextTooSmall) || !strings.Contains(err.Error(), "num_ctx 4096") {
		t.Fatalf("err = %v, want ErrContextTooSmall naming num_ctx", err)
	}
}

func TestChatContextFilledDuringGeneration(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{{Text: []string{"cut"}, DoneReason: "length", PromptEvalCount: 4000, EvalCount: 96}}})
	c, err := New(Config{Host: fake.URL, Model: "fake", NumCtx: 4096})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x")}, nil)
	if !errors.Is(err, ErrContextTooSmall) || reply.Message.Content != "cut" {
		t.Fatalf("err = %v, reply %q", err, reply.Message.Content)
	}
}

func TestChatCallToUndeclaredToolIsAnEmptyReply(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{ollamatest.ToolCallReply("rm_rf", `{}`)}})
	c := newTestClient(t, fake.URL, "fake")
	reply, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x"), Tools: testTools}, nil)
	if !errors.Is(err, ErrEmptyReply) {
		t.Fatalf("err = %v, want ErrEmptyReply", err)
	}
	if len(reply.Message.ToolCalls) != 0 || reply.Message.Content != "" {
		t.Fatalf("reply = %+v", reply.Message)
	}
}

func TestChatCanceled(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{ollamatest.TextReply("a", "b")}})
	c := newTestClient(t, fake.URL, "fake")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Chat(ctx, llm.Request{Messages: userAsks("x")}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestChatNeedsAModel(t *testing.T) {
	c := newTestClient(t, "127.0.0.1:1", "")
	if _, err := c.Chat(context.Background(), llm.Request{Messages: userAsks("x")}, nil); err == nil || !strings.Contains(err.Error(), "no model") {
		t.Fatalf("err = %v", err)
	}
}

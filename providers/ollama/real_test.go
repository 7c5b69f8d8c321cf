package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/internal/ollamatest"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealServer runs the provider against the real Ollama v0.17.4 server
// with tinymodel's scripted model (testdata/scripts.json): a question ->
// list_zones -> change_dns_record -> text.
func TestRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("real Ollama server: skipped with -short")
	}
	scripts := readTestdata(t, "scripts.json")
	host := ollamatest.StartReal(t, "tiny", scripts, string(readTestdata(t, "tools.Modelfile")))
	ollamatest.CreateModel(t, host, "notools", scripts, string(readTestdata(t, "notools.Modelfile")))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("check reports tools", func(t *testing.T) {
		st, err := newTestClient(t, host, "tiny").Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Version != ollamatest.OllamaVersion || !st.ModelPresent || !st.Tools || st.Thinking {
			t.Fatalf("status = %+v", st)
		}
		models, err := newTestClient(t, host, "").Models(ctx)
		if err != nil || len(models) != 2 {
			t.Fatalf("models = %+v, err %v", models, err)
		}
	})

	t.Run("scripted conversation", func(t *testing.T) {
		c := newTestClient(t, host, "tiny")
		msgs := userAsks("Point canary.example.com at 192.0.2.55")

		var events []llm.Event
		r1, err := c.Chat(ctx, llm.Request{Messages: msgs, Tools: testTools}, func(ev llm.Event) { events = append(events, ev) })
		if err != nil {
			t.Fatal(err)
		}
		if len(r1.Message.ToolCalls) != 1 || r1.Message.ToolCalls[0].Name != "list_zones" || r1.Message.Content != "" {
			t.Fatalf("first reply = %+v", r1.Message)
		}
		if len(events) != 1 || events[0].Kind != llm.EventToolCall {
			t.Fatalf("first reply events = %+v", events)
		}
		msgs = append(msgs, r1.Message, llm.Message{Role: llm.RoleTool, ToolName: "list_zones", Content: `["example.com","example.net"]`})

		r2, err := c.Chat(ctx, llm.Request{Messages: msgs, Tools: testTools}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r2.Message.ToolCalls) != 1 || r2.Message.ToolCalls[0].Name != "change_dns_record" {
			t.Fatalf("second reply = %+v", r2.Message)
		}
		// Same JSON, key order aside: the server's generic tool parser (v0.17.4)
		// builds the arguments from a Go map, so their order on the wire varies.
		var got, want any
		json.Unmarshal(r2.Message.ToolCalls[0].Arguments, &got)
		json.Unmarshal([]byte(`{"zone":"example.com","action":"create","record":{"type":"A","name":"canary.example.com","content":"192.0.2.55"}}`), &want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("arguments = %s", r2.Message.ToolCalls[0].Arguments)
		}
		msgs = append(msgs, r2.Message, llm.Message{Role: llm.RoleTool, ToolName: "change_dns_record", Content: `{"proposal":"p-1","status":"pending"}`})

		var text []string
		r3, err := c.Chat(ctx, llm.Request{Messages: msgs, Tools: testTools}, func(ev llm.Event) { text = append(text, ev.Text) })
		if err != nil {
			t.Fatal(err)
		}
		if r3.Message.Content != "I proposed the change." || len(r3.Message.ToolCalls) != 0 || len(text) < 2 {
			t.Fatalf("third reply = %+v (deltas %q)", r3.Message, text)
		}
		if r3.DoneReason != "stop" || r3.PromptTokens == 0 || r3.CompletionToken == 0 {
			t.Fatalf("third reply stats: %q %d %d", r3.DoneReason, r3.PromptTokens, r3.CompletionToken)
		}
	})

	t.Run("unknown model", func(t *testing.T) {
		_, err := newTestClient(t, host, "nosuch").Chat(ctx, llm.Request{Messages: userAsks("x")}, nil)
		if !errors.Is(err, ErrModelMissing) {
			t.Fatalf("err = %v, want ErrModelMissing", err)
		}
	})

	t.Run("model without tools", func(t *testing.T) {
		c := newTestClient(t, host, "notools")
		if _, err := c.Check(ctx); !errors.Is(err, ErrNoTools) {
			t.Fatalf("check: err = %v, want ErrNoTools", err)
		}
		if _, err := c.Chat(ctx, llm.Request{Messages: userAsks("x"), Tools: testTools}, nil); !errors.Is(err, ErrNoTools) {
			t.Fatalf("chat: err = %v, want ErrNoTools", err)
		}
		// Without tools it chats.
		r, err := c.Chat(ctx, llm.Request{Messages: userAsks("x")}, nil)
		if err != nil || r.Message.Content != "I proposed the change." {
			t.Fatalf("reply %q, err %v", r.Message.Content, err)
		}
	})

	t.Run("call to an undeclared tool", func(t *testing.T) {
		// The script calls list_zones first; offering only change_dns_record
		// makes the server drop the call.
		_, err := newTestClient(t, host, "tiny").Chat(ctx, llm.Request{Messages: userAsks("x"), Tools: testTools[1:]}, nil)
		if !errors.Is(err, ErrEmptyReply) {
			t.Fatalf("err = %v, want ErrEmptyReply", err)
		}
	})

	t.Run("context too small", func(t *testing.T) {
		c, err := New(Config{Host: host, Model: "tiny", NumCtx: 64})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Chat(ctx, llm.Request{Messages: userAsks(strings.Repeat("a long incident timeline ", 20)), Tools: testTools}, nil)
		if !errors.Is(err, ErrContextTooSmall) || !strings.Contains(err.Error(), "num_ctx 64") {
			t.Fatalf("err = %v, want ErrContextTooSmall naming num_ctx", err)
		}
		t.Logf("%v (cause: %v)", err, errors.Unwrap(err))
	})

	// The facts the fake server copies, checked against the real one.
	t.Run("wire facts the fake relies on", func(t *testing.T) {
		base, _ := url.Parse(host)
		raw := api.NewClient(base, http.DefaultClient)
		tools, err := toAPITools(testTools)
		if err != nil {
			t.Fatal(err)
		}
		var chunks []api.ChatResponse
		err = raw.Chat(ctx, &api.ChatRequest{Model: "tiny", Messages: []api.Message{{Role: "user", Content: "x"}}, Tools: tools},
			func(r api.ChatResponse) error { chunks = append(chunks, r); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(chunks) != 2 || len(chunks[0].Message.ToolCalls) != 1 || chunks[0].Message.Content != "" || chunks[0].Done ||
			!chunks[1].Done || len(chunks[1].Message.ToolCalls) != 0 {
			b, _ := json.Marshal(chunks)
			t.Fatalf("tool call stream = %s", b)
		}
		err = raw.Chat(ctx, &api.ChatRequest{Model: "notools", Messages: []api.Message{{Role: "user", Content: "x"}}, Tools: tools},
			func(api.ChatResponse) error { return nil })
		var statusErr api.StatusError
		if !errors.As(err, &statusErr) || statusErr.StatusCode != 400 || !strings.HasSuffix(statusErr.ErrorMessage, "does not support tools") {
			t.Fatalf("tools to a model without tools: %#v", err)
		}
		t.Logf("tools refusal reads: %q", statusErr.ErrorMessage)
		_, err = raw.Show(ctx, &api.ShowRequest{Model: "nosuch"})
		if !errors.As(err, &statusErr) || statusErr.StatusCode != 404 || statusErr.ErrorMessage != "model 'nosuch' not found" {
			t.Fatalf("show unknown model: %#v", err)
		}
	})
}

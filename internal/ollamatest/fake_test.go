package ollamatest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
)

func rawClient(t *testing.T, f *Fake) *api.Client {
	t.Helper()
	u, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	return api.NewClient(u, http.DefaultClient)
}

var listZones = api.Tools{{Type: "function", Function: api.ToolFunction{Name: "list_zones", Parameters: api.ToolFunctionParameters{Type: "object", Properties: api.NewToolPropertiesMap()}}}}

func TestFakeStreamsToolCallThenSeparateDoneChunk(t *testing.T) {
	f := NewFake(t, Script{Replies: []Reply{ToolCallReply("list_zones", `{"b": 1, "a": 2}`), TextReply("x")}})
	var chunks []api.ChatResponse
	err := rawClient(t, f).Chat(context.Background(), &api.ChatRequest{Model: "fake", Messages: []api.Message{{Role: "user", Content: "hi"}}, Tools: listZones},
		func(r api.ChatResponse) error { chunks = append(chunks, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 2 || chunks[0].Done || chunks[0].Message.Content != "" || !chunks[1].Done || chunks[1].DoneReason != "stop" {
		t.Fatalf("chunks = %+v", chunks)
	}
	call := chunks[0].Message.ToolCalls[0]
	if call.Function.Name != "list_zones" || call.Function.Arguments.String() != `{"b":1,"a":2}` || !strings.HasPrefix(call.ID, "call_") {
		t.Fatalf("call = %+v", call)
	}
	if f.RemainingReplies() != 1 {
		t.Fatalf("remaining = %d", f.RemainingReplies())
	}
}

func TestFakeRecordsRequestsForSecretChecks(t *testing.T) {
	f := NewFake(t, Script{Respond: func(n int, req api.ChatRequest) Reply {
		return TextReply("echo ", req.Messages[len(req.Messages)-1].Content)
	}})
	var got strings.Builder
	err := rawClient(t, f).Chat(context.Background(), &api.ChatRequest{Model: "fake", Messages: []api.Message{{Role: "user", Content: `token "cf-SECRET"`}}},
		func(r api.ChatResponse) error { got.WriteString(r.Message.Content); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != `echo token "cf-SECRET"` {
		t.Fatalf("reply = %q", got.String())
	}
	if !f.Contains(`"cf-SECRET"`) || !f.Contains("cf-SECRET") || f.Contains("other-secret") {
		t.Fatal("Contains does not see what was sent")
	}
	if reqs := f.ChatRequests(); len(reqs) != 1 || reqs[0].Model != "fake" {
		t.Fatalf("chat requests = %+v", reqs)
	}
}

func TestFakeErrorsLikeTheRealServer(t *testing.T) {
	f := NewFake(t, Script{Models: []Model{{Name: "tiny", Capabilities: []string{CapCompletion}}}})
	c := rawClient(t, f)
	noop := func(api.ChatResponse) error { return nil }
	var statusErr api.StatusError

	err := c.Chat(context.Background(), &api.ChatRequest{Model: "x", Messages: []api.Message{{Role: "user", Content: "hi"}}}, noop)
	if !errors.As(err, &statusErr) || statusErr.StatusCode != 404 || statusErr.ErrorMessage != "model 'x' not found" {
		t.Fatalf("unknown model: %v", err)
	}
	err = c.Chat(context.Background(), &api.ChatRequest{Model: "tiny", Messages: []api.Message{{Role: "user", Content: "hi"}}, Tools: listZones}, noop)
	if !errors.As(err, &statusErr) || statusErr.StatusCode != 400 || !strings.HasSuffix(statusErr.ErrorMessage, "does not support tools") {
		t.Fatalf("tools to a model without tools: %v", err)
	}
	if _, err := c.Show(context.Background(), &api.ShowRequest{Model: "tiny:latest"}); err != nil {
		t.Fatalf("show by full name: %v", err)
	}
}

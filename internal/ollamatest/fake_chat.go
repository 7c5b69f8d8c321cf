package ollamatest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// inputTooLong is the real runner's message when a prompt exceeds num_ctx
// and the request turned truncation off.
const inputTooLong = "the input length exceeds the context length"

func (f *Fake) serveChat(w http.ResponseWriter, body []byte) {
	var req api.ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, ok := f.model(req.Model)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", req.Model))
		return
	}
	thinks := slices.Contains(m.Capabilities, CapThinking)
	if len(req.Tools) > 0 && !slices.Contains(m.Capabilities, CapTools) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("registry.ollama.ai/library/%s does not support tools", m.Name))
		return
	}
	if !thinks && req.Think != nil && req.Think.Bool() {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q does not support thinking", req.Model))
		return
	}
	if len(req.Messages) == 0 {
		writeJSON(w, http.StatusOK, api.ChatResponse{Model: req.Model, CreatedAt: time.Now().UTC(),
			Message: api.Message{Role: "assistant"}, Done: true, DoneReason: "load"})
		return
	}
	reply, ok := f.nextReply(req)
	if !ok {
		writeError(w, http.StatusInternalServerError, "ollamatest: no scripted reply left")
		return
	}
	if reply.Status != 0 {
		writeError(w, reply.Status, reply.Error)
		return
	}
	if reply.PromptEvalCount == 0 {
		reply.PromptEvalCount = len(body) / 4
	}
	if numCtx, ok := intOption(req.Options, "num_ctx"); ok && reply.PromptEvalCount > numCtx && req.Truncate != nil && !*req.Truncate {
		writeError(w, http.StatusBadRequest, inputTooLong)
		return
	}
	chunks, err := chatChunks(req, reply, thinks && (req.Think == nil || req.Think.Bool()))
	if err != nil {
		f.t.Errorf("ollamatest: %v", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if req.Stream != nil && !*req.Stream {
		writeJSON(w, http.StatusOK, aggregate(chunks))
		return
	}
	s := newStream(w)
	for _, c := range chunks {
		s.send(c)
	}
	if reply.StreamError != "" {
		s.send(map[string]string{"error": reply.StreamError})
	}
}

func (f *Fake) nextReply(req api.ChatRequest) (Reply, bool) {
	f.mu.Lock()
	n := f.chats
	f.chats++
	f.mu.Unlock()
	if f.script.Respond != nil {
		return f.script.Respond(n, req), true
	}
	if n >= len(f.script.Replies) {
		f.t.Errorf("ollamatest: chat request %d has no scripted reply (script has %d)", n+1, len(f.script.Replies))
		return Reply{}, false
	}
	return f.script.Replies[n], true
}

// chatChunks lays a reply out as the real server streams it.
func chatChunks(req api.ChatRequest, reply Reply, thinking bool) ([]any, error) {
	now := time.Now().UTC()
	chunk := func(msg api.Message) api.ChatResponse {
		msg.Role = "assistant"
		return api.ChatResponse{Model: req.Model, CreatedAt: now, Message: msg}
	}
	var chunks []any
	if thinking {
		for _, t := range reply.Thinking {
			chunks = append(chunks, chunk(api.Message{Thinking: t}))
		}
	}
	for _, t := range reply.Text {
		chunks = append(chunks, chunk(api.Message{Content: t}))
	}
	declared := map[string]bool{}
	for _, t := range req.Tools {
		declared[t.Function.Name] = true
	}
	index := 0
	for _, call := range reply.ToolCalls {
		args := call.Arguments
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		switch {
		case len(req.Tools) == 0:
			// Without tools the server does not parse calls: the text stays.
			chunks = append(chunks, chunk(api.Message{Content: fmt.Sprintf(`<tool_call>{"name": %q, "arguments": %s}</tool_call>`, call.Name, args)}))
		case declared[call.Name]:
			var parsed api.ToolCallFunctionArguments
			if err := json.Unmarshal([]byte(args), &parsed); err != nil {
				return nil, fmt.Errorf("arguments of scripted call %s are not a JSON object: %w", call.Name, err)
			}
			chunks = append(chunks, chunk(api.Message{ToolCalls: []api.ToolCall{{
				ID:       callID(),
				Function: api.ToolCallFunction{Index: index, Name: call.Name, Arguments: parsed},
			}}}))
			index++
		default:
			// A call to an undeclared tool is dropped without a word.
		}
	}
	evalCount := reply.EvalCount
	if evalCount == 0 {
		evalCount = len(chunks) + 1
	}
	doneReason := reply.DoneReason
	if doneReason == "" {
		doneReason = "stop"
	}
	if reply.StreamError == "" {
		done := chunk(api.Message{})
		done.Done = true
		done.DoneReason = doneReason
		done.Metrics = api.Metrics{
			TotalDuration: 3 * time.Millisecond, LoadDuration: time.Millisecond,
			PromptEvalCount: reply.PromptEvalCount, PromptEvalDuration: time.Millisecond,
			EvalCount: evalCount, EvalDuration: time.Millisecond,
		}
		chunks = append(chunks, done)
	}
	return chunks, nil
}

// aggregate is the stream:false answer: one message holding all chunks.
func aggregate(chunks []any) api.ChatResponse {
	var out api.ChatResponse
	var content, thinking strings.Builder
	var calls []api.ToolCall
	for _, c := range chunks {
		r := c.(api.ChatResponse)
		content.WriteString(r.Message.Content)
		thinking.WriteString(r.Message.Thinking)
		calls = append(calls, r.Message.ToolCalls...)
		out = r
	}
	out.Message.Content, out.Message.Thinking, out.Message.ToolCalls = content.String(), thinking.String(), calls
	return out
}

func intOption(options map[string]any, key string) (int, bool) {
	v, ok := options[key].(float64)
	return int(v), ok
}

func callID() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return "call_" + string(b)
}

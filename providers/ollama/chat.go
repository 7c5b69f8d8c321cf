package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ollama/ollama/api"

	"github.com/driftdeck/driftdeck/agent/llm"
)

// ErrEmptyReply: the model ended its turn with neither text nor a tool call.
// Ollama v0.17.4 produces this when the model calls a tool that the request
// did not declare: the server drops the call without a word.
var ErrEmptyReply = llm.ErrEmptyReply

var _ llm.Chatter = (*Client)(nil)

// Chat streams one completion. Before sending it checks (once per model) that
// the model exists and can call tools when tools are declared, so those
// failures read as ErrModelMissing / ErrNoTools rather than an HTTP 400.
// Tool calls are collected from every chunk of the stream. On error the
// reply holds what arrived before it.
func (c *Client) Chat(ctx context.Context, req llm.Request, onEvent func(llm.Event)) (llm.Reply, error) {
	modelName, err := c.modelOr(req.Model)
	if err != nil {
		return llm.Reply{}, err
	}
	caps, err := c.capabilitiesOf(ctx, modelName)
	if err != nil {
		return llm.Reply{}, err
	}
	if len(req.Tools) > 0 && !caps.tools {
		return llm.Reply{}, noToolsError(modelName, nil)
	}
	chatReq, err := c.buildRequest(modelName, req, caps)
	if err != nil {
		return llm.Reply{}, err
	}

	emit := func(ev llm.Event) {
		if onEvent != nil {
			onEvent(ev)
		}
	}
	var (
		content, thinking strings.Builder
		reply             = llm.Reply{Message: llm.Message{Role: llm.RoleAssistant}}
		done              bool
	)
	streamErr := c.api.Chat(ctx, chatReq, func(chunk api.ChatResponse) error {
		if t := chunk.Message.Thinking; t != "" {
			thinking.WriteString(t)
			emit(llm.Event{Kind: llm.EventThinking, Text: t})
		}
		if t := chunk.Message.Content; t != "" {
			content.WriteString(t)
			emit(llm.Event{Kind: llm.EventText, Text: t})
		}
		for _, call := range chunk.Message.ToolCalls {
			tc, err := fromAPIToolCall(call)
			if err != nil {
				return err
			}
			reply.Message.ToolCalls = append(reply.Message.ToolCalls, tc)
			emit(llm.Event{Kind: llm.EventToolCall, ToolCall: &tc})
		}
		if chunk.Done {
			done = true
			reply.DoneReason = chunk.DoneReason
			reply.PromptTokens = chunk.PromptEvalCount
			reply.CompletionToken = chunk.EvalCount
		}
		return nil
	})
	reply.Message.Content = content.String()
	reply.Message.Thinking = thinking.String()

	what := "chat with model " + modelName
	switch {
	case streamErr != nil:
		if isModelMissing(streamErr) {
			c.forgetCapabilities(modelName) // deleted since we looked
		}
		return reply, c.classify(ctx, streamErr, modelName, what)
	case ctx.Err() != nil:
		return reply, fmt.Errorf("%s: %w", what, ctx.Err())
	case !done:
		return reply, &Error{Kind: ErrServer, Msg: fmt.Sprintf("%s failed: the reply stream ended before the model finished", what)}
	case reply.DoneReason == "length" && reply.PromptTokens+reply.CompletionToken >= c.numCtx:
		return reply, contextTooSmallError(modelName, c.numCtx, reply.PromptTokens, nil)
	case reply.Message.Content == "" && len(reply.Message.ToolCalls) == 0:
		return reply, &Error{Kind: ErrEmptyReply, Msg: fmt.Sprintf("model %s ended its turn without text or a tool call (it may have called a tool that was not offered)", modelName)}
	}
	return reply, nil
}

func (c *Client) buildRequest(modelName string, req llm.Request, caps capabilities) (*api.ChatRequest, error) {
	msgs, err := toAPIMessages(req.Messages)
	if err != nil {
		return nil, fmt.Errorf("chat with model %s: %w", modelName, err)
	}
	tools, err := toAPITools(req.Tools)
	if err != nil {
		return nil, fmt.Errorf("chat with model %s: %w", modelName, err)
	}
	if len(req.Format) > 0 && !json.Valid(req.Format) {
		return nil, fmt.Errorf("chat with model %s: the output format is not valid JSON", modelName)
	}
	// num_ctx always: without it the server uses its own small default.
	options := map[string]any{"num_ctx": c.numCtx}
	if req.Temperature != nil {
		options["temperature"] = *req.Temperature
	}
	// Refuse to drop the start of the conversation (truncate) or of the
	// context during generation (shift): the server would do either silently.
	no := false
	chatReq := &api.ChatRequest{
		Model:     modelName,
		Messages:  msgs,
		Tools:     tools,
		Format:    req.Format,
		Options:   options,
		KeepAlive: &api.Duration{Duration: c.keepAlive},
		Truncate:  &no,
		Shift:     &no,
	}
	// Think only where the model supports it: the server rejects think:true
	// otherwise, and a thinking model thinks unless told false.
	if caps.thinking {
		chatReq.Think = &api.ThinkValue{Value: req.Think}
	}
	return chatReq, nil
}

func isModelMissing(err error) bool {
	var statusErr api.StatusError
	return errors.As(err, &statusErr) && statusErr.StatusCode == 404
}

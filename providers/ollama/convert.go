package ollama

import (
	"encoding/json"
	"fmt"

	"github.com/ollama/ollama/api"

	"github.com/driftdeck/driftdeck/agent/llm"
)

// toAPIMessages maps the engine's conversation to Ollama's wire messages.
func toAPIMessages(msgs []llm.Message) ([]api.Message, error) {
	out := make([]api.Message, 0, len(msgs))
	for i, m := range msgs {
		am := api.Message{
			Role:     string(m.Role),
			Content:  m.Content,
			Thinking: m.Thinking,
			ToolName: m.ToolName,
		}
		for j, call := range m.ToolCalls {
			args, err := toAPIArguments(call.Arguments)
			if err != nil {
				return nil, fmt.Errorf("message %d, tool call %d (%s): %w", i, j, call.Name, err)
			}
			am.ToolCalls = append(am.ToolCalls, api.ToolCall{
				Function: api.ToolCallFunction{Index: j, Name: call.Name, Arguments: args},
			})
		}
		out = append(out, am)
	}
	return out, nil
}

// toAPIArguments keeps the top-level key order of the raw JSON object.
func toAPIArguments(raw json.RawMessage) (api.ToolCallFunctionArguments, error) {
	args := api.NewToolCallFunctionArguments()
	if len(raw) == 0 || string(raw) == "null" {
		return args, nil
	}
	if err := json.Unmarshal(raw, &args); err != nil {
		return args, fmt.Errorf("arguments are not a JSON object: %w", err)
	}
	return args, nil
}

// fromAPIToolCall turns a parsed tool call into the engine's form. The
// arguments keep the top-level key order the server sent; nested objects come
// back with sorted keys (the api package decodes them into Go maps). Note that
// Ollama v0.17.4's generic tool parser itself builds the arguments from a Go
// map, so with most models the order on the wire is already arbitrary.
func fromAPIToolCall(call api.ToolCall) (llm.ToolCall, error) {
	raw, err := json.Marshal(call.Function.Arguments)
	if err != nil {
		return llm.ToolCall{}, fmt.Errorf("encode arguments of tool call %s: %w", call.Function.Name, err)
	}
	return llm.ToolCall{Name: call.Function.Name, Arguments: raw}, nil
}

// toAPITools declares the tools. The api package's schema type keeps only
// what Ollama's templates use: top-level type, required, properties, $defs and
// items; per property anyOf, type, items, description, enum and nested
// properties. Other JSON Schema keywords (nested required, minimum, pattern,
// additionalProperties) do not reach the model, so the engine must still
// validate arguments against the full schema.
func toAPITools(tools []llm.Tool) (api.Tools, error) {
	out := make(api.Tools, 0, len(tools))
	for _, t := range tools {
		var params api.ToolFunctionParameters
		if len(t.Parameters) > 0 {
			if err := json.Unmarshal(t.Parameters, &params); err != nil {
				return nil, fmt.Errorf("parameters of tool %s are not a JSON schema object: %w", t.Name, err)
			}
		}
		if params.Type == "" {
			params.Type = "object"
		}
		if params.Properties == nil {
			params.Properties = api.NewToolPropertiesMap()
		}
		out = append(out, api.Tool{
			Type:     "function",
			Function: api.ToolFunction{Name: t.Name, Description: t.Description, Parameters: params},
		})
	}
	return out, nil
}

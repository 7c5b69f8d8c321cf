package ollamatest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Markers the Conversation template prints for each role; they are whole
// tokens of the scripted model and predict nothing.
var conversationMarkers = []string{"[[SYSTEM]]", "[[USER]]", "[[ASSISTANT]]", "[[TOOL]]", "[[TOOLS]]"}

// Conversation builds, for StartReal, the tinymodel scripts and a Modelfile
// of a model whose k-th turn is steps[k], where k is the number of tool
// results in the conversation so far (all of it, not just since the last
// user message); past the last step it repeats the last one. Each step is
// the list of tokens the model emits; use ToolCallToken for a tool call and
// Words for text. Every token must be unique across all steps (the model is a
// bigram table: one successor per token); Conversation fails the test if not.
// The template declares .Tools, so the model has the tools capability, and
// renders past tool calls, so the server parses new ones.
func Conversation(t testing.TB, steps ...[]string) (scriptsJSON []byte, modelfile string) {
	t.Helper()
	if len(steps) == 0 {
		t.Fatal("ollamatest.Conversation: no steps")
	}
	seen := map[string]bool{}
	for _, m := range conversationMarkers {
		seen[m] = true
	}
	var scripts [][]string
	for k, step := range steps {
		if len(step) == 0 {
			t.Fatalf("ollamatest.Conversation: step %d is empty", k)
		}
		script := []string{stepTrigger(k)}
		for _, tok := range step {
			if seen[tok] {
				t.Fatalf("ollamatest.Conversation: token %q occurs twice; every scripted token must be unique (vary the wording or merge it into one token)", tok)
			}
			seen[tok] = true
			script = append(script, tok)
		}
		scripts = append(scripts, script)
	}
	scriptsJSON, err := json.Marshal(map[string]any{"markers": conversationMarkers, "scripts": scripts})
	if err != nil {
		t.Fatal(err)
	}
	return scriptsJSON, conversationModelfile(len(steps))
}

func stepTrigger(k int) string { return fmt.Sprintf("[[STEP%d]]", k) }

// conversationModelfile counts tool results with string variables (Go
// templates have no arithmetic) and ends the prompt with the step's trigger.
func conversationModelfile(steps int) string {
	var b strings.Builder
	b.WriteString(`FROM ./tiny.gguf
TEMPLATE """{{- range .Messages }}
{{- if eq .Role "system" }}[[SYSTEM]]{{ .Content }}
{{- else if eq .Role "user" }}[[USER]]{{ .Content }}
{{- else if eq .Role "tool" }}[[TOOL]]{{ .Content }}
{{- else if eq .Role "assistant" }}[[ASSISTANT]]{{ .Content }}
{{- if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}{{ end }}</tool_call>{{ end }}
{{- end }}
{{- end }}
{{- if .Tools }}[[TOOLS]]{{ range .Tools }}{{ .Function.Name }} {{ end }}{{ end }}
{{- $n := "0" }}{{ range .Messages }}{{ if eq .Role "tool" }}`)
	// Each tool result moves $n one step on, saturating at the last step.
	for k := 0; k < steps-1; k++ {
		if k > 0 {
			b.WriteString("{{ else if")
		} else {
			b.WriteString("{{ if")
		}
		fmt.Fprintf(&b, ` eq $n "%d" }}{{ $n = "%d" }}`, k, k+1)
	}
	if steps > 1 {
		b.WriteString("{{ end }}")
	}
	b.WriteString("{{ end }}{{ end }}\n{{- if ")
	for k := 0; k < steps-1; k++ {
		fmt.Fprintf(&b, `eq $n "%d" }}%s{{ else if `, k, stepTrigger(k))
	}
	fmt.Fprintf(&b, "true }}%s{{ end }}", stepTrigger(steps-1))
	b.WriteString("\"\"\"\n")
	return b.String()
}

// ToolCallToken is one token holding a whole tool call, in the form the
// server's parser turns into a tool_calls entry. argumentsJSON must be a JSON
// object ("" means {}); its key order is kept.
func ToolCallToken(name, argumentsJSON string) string {
	if strings.TrimSpace(argumentsJSON) == "" {
		argumentsJSON = "{}"
	}
	return fmt.Sprintf(`<tool_call>{"name": %q, "arguments": %s}</tool_call>`, name, argumentsJSON)
}

// Words splits text into tokens at spaces, keeping each space with the word
// after it ("I proposed it." -> "I", " proposed", " it."), so a reply streams
// as several deltas. Repeated words collide; see Conversation.
func Words(text string) []string {
	var toks []string
	for i, w := range strings.Split(text, " ") {
		if i > 0 {
			w = " " + w
		}
		if w != "" {
			toks = append(toks, w)
		}
	}
	return toks
}

package ollamatest

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
)

func TestTinymodelGeneratorWritesAModel(t *testing.T) {
	gen := tinymodelGenerator(t)
	if again := tinymodelGenerator(t); again != gen {
		t.Fatalf("generator not cached: %s then %s", gen, again)
	}
	dir := t.TempDir()
	scripts := filepath.Join(dir, "s.json")
	os.WriteFile(scripts, []byte(`{"markers":["[[USER]]"],"scripts":[["[[GO]]","Hi","!"]]}`), 0o644)
	out := filepath.Join(dir, "m.gguf")
	if b, err := exec.Command(gen, "-o", out, "-scripts", scripts).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) < 1000 || string(b[:4]) != "GGUF" {
		t.Fatalf("not a GGUF file (%d bytes, err %v)", len(b), err)
	}
}

func TestHasFrom(t *testing.T) {
	if !hasFrom("# x\nFROM ./tiny.gguf\nTEMPLATE \"\"\"{{ .Prompt }}\"\"\"") || hasFrom("TEMPLATE \"\"\"from here\"\"\"") {
		t.Fatal("hasFrom misreads a Modelfile")
	}
}

func TestConversationModelfileCountsToolResults(t *testing.T) {
	want := `{{- if eq $n "0" }}[[STEP0]]{{ else if eq $n "1" }}[[STEP1]]{{ else if true }}[[STEP2]]{{ end }}"""`
	if mf := conversationModelfile(3); !strings.Contains(mf, want) || !strings.Contains(mf, `{{ else if eq $n "1" }}{{ $n = "2" }}{{ end }}`) {
		t.Fatalf("three-step template:\n%s", mf)
	}
	if mf := conversationModelfile(1); !strings.Contains(mf, `{{- if true }}[[STEP0]]{{ end }}"""`) {
		t.Fatalf("one-step template:\n%s", mf)
	}
}

func TestWords(t *testing.T) {
	if got := strings.Join(Words("I proposed  it."), "|"); got != "I| proposed| | it." {
		t.Fatalf("Words = %q", got)
	}
}

// TestRealConversation drives a four-step scripted model through the real
// server with the real client, as the agent's end-to-end tests do.
func TestRealConversation(t *testing.T) {
	if testing.Short() {
		t.Skip("real Ollama server: skipped with -short")
	}
	scripts, modelfile := Conversation(t,
		[]string{ToolCallToken("list_zones", "")},
		[]string{ToolCallToken("list_dns_records", `{"zone": "example.com", "name": "www.example.com"}`)},
		[]string{ToolCallToken("change_dns_record", `{"zone": "example.com", "action": "update", "record_id": "r-1", "record": {"content": "192.0.2.10"}}`)},
		Words("Proposed: point www back to 192.0.2.10."),
	)
	host := StartReal(t, "scripted", scripts, modelfile)
	u, _ := url.Parse(host)
	c := api.NewClient(u, http.DefaultClient)
	tools := api.Tools{}
	for _, name := range []string{"list_zones", "list_dns_records", "change_dns_record"} {
		tools = append(tools, api.Tool{Type: "function", Function: api.ToolFunction{Name: name, Parameters: api.ToolFunctionParameters{Type: "object", Properties: api.NewToolPropertiesMap()}}})
	}
	msgs := []api.Message{{Role: "user", Content: "why is www down?"}}
	for _, want := range []string{"list_zones", "list_dns_records", "change_dns_record", ""} {
		var msg api.Message
		err := c.Chat(context.Background(), &api.ChatRequest{Model: "scripted", Messages: msgs, Tools: tools}, func(r api.ChatResponse) error {
			msg.Content += r.Message.Content
			msg.ToolCalls = append(msg.ToolCalls, r.Message.ToolCalls...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want == "" {
			if msg.Content != "Proposed: point www back to 192.0.2.10." || len(msg.ToolCalls) != 0 {
				t.Fatalf("final reply = %+v", msg)
			}
			break
		}
		if len(msg.ToolCalls) != 1 || msg.ToolCalls[0].Function.Name != want {
			t.Fatalf("want a %s call, got %+v", want, msg)
		}
		msg.Role = "assistant"
		msgs = append(msgs, msg, api.Message{Role: "tool", ToolName: want, Content: `{"ok":true}`})
	}
}

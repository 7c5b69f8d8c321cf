package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/internal/ollamatest"
	"github.com/driftdeck/driftdeck/providers/ollama"
)

// TestMisbehavingModelIsBoundedAndNothingExecutes scripts a model (an
// in-process server speaking Ollama's real NDJSON protocol, driven by the
// real ollama/api client) that sends malformed arguments, calls a tool that
// does not exist, asks for a huge result and then loops. Every misstep goes
// back to the model as an explained error or a truncation note, the loop is
// cut, and nothing reaches Cloudflare.
func TestMisbehavingModelIsBoundedAndNothingExecutes(t *testing.T) {
	ctx := context.Background()
	srv, cf, token := startSandbox(t)
	fake := ollamatest.NewFake(t, ollamatest.Script{Replies: []ollamatest.Reply{
		ollamatest.ToolCallReply("change_dns_record", `{"zone": "example.com", "action": "create", "record": {"type": "A", "name": "x", "content": "192.0.2.1", "ttl": "soon"}}`),
		ollamatest.ToolCallReply("drop_all_records", `{"zone": "example.com"}`),
		ollamatest.ToolCallReply("list_dns_records", `{"zone": "example.com"}`),
		ollamatest.ToolCallReply("list_zones", `{}`),
		ollamatest.ToolCallReply("list_zones", `{}`),
		ollamatest.ToolCallReply("list_zones", `{}`),
		ollamatest.TextReply("unreachable"),
	}})
	llmClient, err := ollama.New(ollama.Config{Host: fake.URL, Model: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cf, Options{StateDir: t.TempDir(), Model: "fake", LLM: llmClient, User: "alice", Secrets: []string{token}, Now: srv.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// Make the huge result: 300 more records in example.com.
	for i := 0; i < 300; i++ {
		rec := infra.DNSRecord{Type: "TXT", Name: "bulk" + itoa3(i) + ".example.com", Content: strings.Repeat("x", 100), TTL: 1}
		if _, err := cf.Apply(ctx, infra.Change{Kind: infra.DNSCreate, Zone: "example.com", Target: rec.Name, After: mustJSON(rec)}); err != nil {
			t.Fatal(err)
		}
	}
	before := liveRecords(t, cf)

	s, err := a.NewSession(ctx, "bounded")
	if err != nil {
		t.Fatal(err)
	}
	turn, err := a.Ask(ctx, s, "clean up example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if turn.StopReason != "loop" {
		t.Fatalf("stop reason %q after %d steps", turn.StopReason, turn.Steps)
	}
	if len(turn.Tools) < 4 {
		t.Fatalf("tools = %+v", turn.Tools)
	}
	// The unknown tool's call never reaches us as a call (Ollama drops calls
	// to tools that were not offered); the session tells the model instead.
	bad, huge := turn.Tools[0], turn.Tools[1]
	nudge := false
	for _, m := range s.Messages() {
		if strings.Contains(m.Content, "a call to a tool that does not exist") && strings.Contains(m.Content, "list_zones") {
			nudge = true
		}
	}
	if !bad.IsError || !strings.Contains(bad.Result, "ttl") {
		t.Errorf("malformed arguments were not explained: %+v", bad)
	}
	if !nudge {
		t.Error("the model was not told its call to an unknown tool went nowhere")
	}
	if huge.IsError || len(huge.Result) > 8000 || !strings.Contains(huge.Result, "narrow") {
		t.Errorf("a huge result was not budgeted with a hint (%d chars): %.300s", len(huge.Result), huge.Result)
	}
	if len(turn.Proposals) != 0 {
		t.Fatalf("proposals were made: %v", turn.Proposals)
	}
	cards, _ := a.Proposals.List(ctx, proposal.ListFilter{})
	if len(cards) != 0 {
		t.Fatalf("cards exist: %d", len(cards))
	}
	if after := liveRecords(t, cf); after != before {
		t.Fatalf("records changed from %d to %d", before, after)
	}
	if fake.Contains(token) {
		t.Fatal("the API token reached the model")
	}
}

func liveRecords(t *testing.T, cf Cloudflare) int {
	t.Helper()
	snap, err := cf.Snapshot(context.Background(), infra.Scope{Zones: []string{"example.com"}, Resources: []infra.Resource{infra.ResDNSRecords}})
	if err != nil || !snap.Zones[0].RecordsFetch.Complete {
		t.Fatalf("snapshot: %v", err)
	}
	return len(snap.Zones[0].Records)
}

func itoa3(i int) string {
	return string([]byte{byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

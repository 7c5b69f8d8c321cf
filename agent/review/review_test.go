package review

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

type oneShot struct {
	answer string
	got    llm.Request
}

func (o *oneShot) Chat(_ context.Context, req llm.Request, _ func(llm.Event)) (llm.Reply, error) {
	o.got = req
	return llm.Reply{Message: llm.Message{Role: llm.RoleAssistant, Content: o.answer}}, nil
}

func card() *proposal.Proposal {
	return &proposal.Proposal{Title: "point www elsewhere", Effect: proposal.EffectWrite, Risk: proposal.RiskLow,
		Changes: []infra.Change{{Kind: infra.DNSUpdate, Zone: "example.com", Target: "r1",
			Before: json.RawMessage(`{"type":"A","name":"www.example.com","content":"192.0.2.1"}`),
			After:  json.RawMessage(`{"type":"A","name":"www.example.com","content":"203.0.113.66"}`)}}}
}

func TestReviewSeesRequestAndProposalOnlyAndUsesStructuredOutput(t *testing.T) {
	m := &oneShot{answer: `{"risk":"high","concerns":["www moves to an unknown host"],"approvals_required":2}`}
	r := &Reviewer{Model: m, Name: "tiny"}
	rev, err := r.Review(context.Background(), "why is www slow?", card())
	if err != nil {
		t.Fatal(err)
	}
	if rev.Risk != proposal.RiskHigh || rev.ApprovalsRequired != 2 || len(rev.Concerns) != 1 {
		t.Fatalf("review = %+v", rev)
	}
	if len(m.got.Format) == 0 || len(m.got.Tools) != 0 {
		t.Fatal("the reviewer must use structured output and no tools")
	}
	if len(m.got.Messages) != 2 || m.got.Messages[0].Role != llm.RoleSystem {
		t.Fatalf("the reviewer must have its own system prompt and one user message, got %d messages", len(m.got.Messages))
	}
	if u := m.got.Messages[1].Content; !strings.Contains(u, "why is www slow?") || !strings.Contains(u, "203.0.113.66") {
		t.Fatalf("review input lacks the request or the change: %s", u)
	}
}

func TestMalformedReviewIsAnError(t *testing.T) {
	for _, answer := range []string{"sure, looks fine", `{"risk":"meh","concerns":[]}`, ``} {
		r := &Reviewer{Model: &oneShot{answer: answer}}
		if _, err := r.Review(context.Background(), "q", card()); err == nil {
			t.Errorf("answer %q accepted", answer)
		}
	}
}

package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/policy"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/internal/cfspec"
	"github.com/driftdeck/driftdeck/internal/ollamatest"
	"github.com/driftdeck/driftdeck/internal/simtest"
	"github.com/driftdeck/driftdeck/providers/cloudflare"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
	"github.com/driftdeck/driftdeck/providers/ollama"
)

// recordingTransport keeps every request body sent to Ollama, so the test
// can prove the API token never reached the model.
type recordingTransport struct {
	mu    sync.Mutex
	base  http.RoundTripper
	sent  bytes.Buffer
	count int
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.count++
	r.sent.WriteString(req.URL.String())
	for k, v := range req.Header {
		r.sent.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
	r.sent.Write(body)
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

// startSandbox runs the incident scenario and a provider client whose every
// exchange is validated against Cloudflare's OpenAPI spec.
func startSandbox(t *testing.T) (*cfsim.Server, *cloudflare.Client, string) {
	t.Helper()
	spec, err := cfspec.Load(context.Background())
	if err != nil {
		t.Fatalf("load Cloudflare's OpenAPI spec: %v", err)
	}
	hc := &http.Client{Transport: spec.Transport(http.DefaultTransport, func(err error) {
		t.Errorf("simulator exchange violates Cloudflare's OpenAPI spec: %v", err)
	})}
	srv, cf := simtest.Incident(t, cfsim.Options{}, func(c *cloudflare.Config) { c.HTTPClient = hc })
	return srv, cf, srv.Token("sandbox-write")
}

const canaryCall = `{"zone": "example.com", "action": "create", "record": {"type": "A", "name": "canary.example.com", "content": "192.0.2.55", "ttl": 300}, "rationale": "a canary host for the rollout"}`

// TestRealOllamaQuestionToAppliedChange is the engine end to end with the
// real Ollama server and a scripted model: a question -> list_zones ->
// change_dns_record -> reply. The proposal waits for a human, policy and a
// reviewer have judged it, nothing is applied until approval, approval
// applies it, the journal verifies, and the token went nowhere it must not.
func TestRealOllamaQuestionToAppliedChange(t *testing.T) {
	ctx := context.Background()
	srv, cf, token := startSandbox(t)

	scripts, mf := ollamatest.Conversation(t,
		[]string{ollamatest.ToolCallToken("list_zones", "{}")},
		[]string{ollamatest.ToolCallToken("change_dns_record", canaryCall)},
		ollamatest.Words("I proposed a canary A record on example.com; it waits for your approval."),
	)
	host := ollamatest.StartReal(t, "scripted", scripts, mf)
	revScripts, revMF := ollamatest.Conversation(t,
		[]string{`{"risk": "medium", "concerns": ["canary.example.com is a new name on a production zone"], "approvals_required": 1}`})
	ollamatest.CreateModel(t, host, "reviewer", revScripts, revMF)

	rec := &recordingTransport{base: http.DefaultTransport}
	llmClient, err := ollama.New(ollama.Config{Host: host, Model: "scripted", HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	a, err := Open(ctx, cf, Options{
		StateDir: state, Model: "scripted", ReviewModel: "reviewer", LLM: llmClient, User: "alice",
		Secrets: []string{token}, Now: srv.Now,
		Policy: policy.Config{AllowedCIDRs: []string{"192.0.2.0/24"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	sess, err := a.NewSession(ctx, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	turn, err := a.Ask(ctx, sess, "add a canary record for the rollout", nil)
	if err != nil {
		t.Fatal(err)
	}
	if turn.StopReason != "answered" || !strings.Contains(turn.Reply, "waits for your approval") {
		t.Fatalf("turn = %+v", turn)
	}
	if len(turn.Tools) != 2 || turn.Tools[0].Name != "list_zones" || turn.Tools[1].Name != "change_dns_record" {
		t.Fatalf("tool calls = %+v", turn.Tools)
	}
	if !strings.Contains(turn.Tools[0].Result, "example.org") || !strings.Contains(turn.Tools[0].Result, "untrusted-data") {
		t.Fatalf("list_zones result not real or not marked as data: %s", turn.Tools[0].Result)
	}
	if len(turn.Proposals) != 1 {
		t.Fatalf("proposals = %v (tool result: %s)", turn.Proposals, turn.Tools[1].Result)
	}
	p, err := a.Proposals.Get(ctx, turn.Proposals[0])
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != proposal.StatusPending || p.Policy.Decision == "" || p.Policy.Decision == proposal.DecisionDeny {
		t.Fatalf("card = %s policy %+v", p.Status, p.Policy)
	}
	if p.Review.Missing || p.Review.Risk != proposal.RiskMedium || len(p.Review.Concerns) != 1 {
		t.Fatalf("review = %+v", p.Review)
	}
	if canary(t, cf) {
		t.Fatal("the change was applied before any approval")
	}

	p, err = a.Approve(ctx, p.ID, p.Hash)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if p.Status != proposal.StatusApplied {
		t.Fatalf("after approval: %s %+v", p.Status, p.Result)
	}
	if !canary(t, cf) {
		t.Fatal("approval did not apply the change in the simulator")
	}
	// The conversation learns the outcome before its next turn, once.
	a.NoteDecisions(ctx, sess)
	a.NoteDecisions(ctx, sess)
	told := 0
	for _, m := range sess.Messages() {
		if strings.Contains(m.Content, "["+"card "+p.ID+" applied]") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("the outcome was told %d times, want once", told)
	}

	res, err := a.Journal.Verify(ctx)
	if err != nil || !res.OK || res.Count < 8 {
		t.Fatalf("journal verify: %+v %v", res, err)
	}
	a.Close()
	rec.mu.Lock()
	sent := rec.sent.String()
	rec.mu.Unlock()
	if rec.count == 0 || strings.Contains(sent, token) {
		t.Fatalf("the API token reached Ollama (or nothing was sent: %d requests)", rec.count)
	}
	for _, f := range []string{"journal.db", "journal.db-wal", "proposals.db", "proposals.db-wal", "conversations.db", "conversations.db-wal"} {
		b, err := os.ReadFile(filepath.Join(state, f))
		if err == nil && bytes.Contains(b, []byte(token)) {
			t.Fatalf("the API token is in %s", f)
		}
	}
}

func canary(t *testing.T, cf *cloudflare.Client) bool {
	t.Helper()
	snap, err := cf.Snapshot(context.Background(), infra.Scope{Zones: []string{"example.com"}, Resources: []infra.Resource{infra.ResDNSRecords}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range snap.Zones[0].Records {
		if r.Name == "canary.example.com" && r.Content == "192.0.2.55" {
			return true
		}
	}
	return false
}

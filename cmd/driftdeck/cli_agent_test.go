package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/internal/ollamatest"

	_ "modernc.org/sqlite"
)

const canaryArgs = `{"zone": "example.com", "action": "create", "record": {"type": "A", "name": "canary.example.com", "content": "192.0.2.55", "ttl": 300}, "rationale": "canary host for the rollout"}`

// agentEnv starts `driftdeck sim` and the real Ollama server with a
// scripted model (question -> list_zones -> change_dns_record -> reply) and
// a scripted reviewer, and returns the environment the CLI runs with.
func agentEnv(t *testing.T) ([]string, *simProcess, string) {
	t.Helper()
	sim := startSimProcess(t)
	scripts, mf := ollamatest.Conversation(t,
		[]string{ollamatest.ToolCallToken("list_zones", "{}")},
		[]string{ollamatest.ToolCallToken("change_dns_record", canaryArgs)},
		ollamatest.Words("Proposed a canary record; approve it when ready."),
	)
	host := ollamatest.StartReal(t, "scripted", scripts, mf)
	rs, rmf := ollamatest.Conversation(t, []string{`{"risk": "medium", "concerns": ["a new name on a production zone"], "approvals_required": 1}`})
	ollamatest.CreateModel(t, host, "reviewer", rs, rmf)
	state := t.TempDir()
	return []string{
		"CLOUDFLARE_API_BASE_URL=" + sim.baseURL,
		"CLOUDFLARE_API_TOKEN=" + sim.tokens["sandbox-write"],
		"OLLAMA_HOST=" + host,
		"DRIFTDECK_MODEL=scripted",
		"DRIFTDECK_REVIEW_MODEL=reviewer",
		"DRIFTDECK_STATE_DIR=" + state,
		"DRIFTDECK_ALLOWED_CIDRS=192.0.2.0/24",
	}, sim, state
}

type cardJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Hash   string `json:"hash"`
	Policy struct {
		Decision string   `json:"decision"`
		Reasons  []string `json:"reasons"`
	} `json:"policy"`
	Review struct {
		Risk     string   `json:"risk"`
		Concerns []string `json:"concerns"`
		Missing  bool     `json:"missing"`
	} `json:"review"`
	Result *struct {
		Message string `json:"message"`
	} `json:"result"`
}

func captureHasCanary(t *testing.T, env []string) bool {
	t.Helper()
	r := runCLI(t, env, "baseline", "capture", "--zone", "example.com")
	if r.code != 0 {
		t.Fatalf("baseline capture: %d %s", r.code, r.stderr)
	}
	return strings.Contains(r.stdout, "canary.example.com")
}

// TestCLIAskApproveVerifyTamper is issue 3's "done when", as a user runs it.
func TestCLIAskApproveVerifyTamper(t *testing.T) {
	env, _, state := agentEnv(t)

	r := runCLI(t, env, "ask", "--json", "add a canary record for the rollout")
	if r.code != 0 {
		t.Fatalf("ask: exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Reply     string     `json:"reply"`
		Proposals []cardJSON `json:"proposals"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("ask --json is not JSON: %v\n%s", err, r.stdout)
	}
	if len(out.Proposals) != 1 {
		t.Fatalf("want one proposal, got %s", r.stdout)
	}
	card := out.Proposals[0]
	if card.Status != "pending" || card.Policy.Decision == "" || card.Review.Missing || card.Review.Risk != "medium" {
		t.Fatalf("card = %+v", card)
	}
	if captureHasCanary(t, env) {
		t.Fatal("ask applied the change")
	}

	r = runCLI(t, env, "proposals", "approve", card.ID, "--hash", card.Hash, "--json")
	if r.code != 0 {
		t.Fatalf("approve: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	var approved cardJSON
	if err := json.Unmarshal([]byte(r.stdout), &approved); err != nil || approved.Status != "applied" {
		t.Fatalf("approve output %v: %s", err, r.stdout)
	}
	if !captureHasCanary(t, env) {
		t.Fatal("approval did not apply the change in the simulator")
	}

	r = runCLI(t, env, "audit", "verify")
	if r.code != 0 || !strings.Contains(r.stdout, "Journal OK") {
		t.Fatalf("audit verify: %d %s %s", r.code, r.stdout, r.stderr)
	}

	// Tamper with one event's data (dropping the guard trigger first, as an
	// attacker with the file would) and verify names it.
	db, err := sql.Open("sqlite", filepath.Join(state, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	var seq int64
	if err := db.QueryRow(`SELECT seq FROM events WHERE type = 'approval' ORDER BY seq LIMIT 1`).Scan(&seq); err != nil {
		t.Fatalf("find the approval event: %v", err)
	}
	rows, _ := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
	var triggers []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		triggers = append(triggers, n)
	}
	rows.Close()
	for _, n := range triggers {
		if _, err := db.Exec(`DROP TRIGGER "` + n + `"`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE events SET actor = 'mallory' WHERE seq = ?`, seq); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r = runCLI(t, env, "audit", "verify")
	want := "event #" + itoa(seq)
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("tampered journal: exit %d, stderr %q; want exit 1 naming %q", r.code, r.stderr, want)
	}
}

// TestCLICrashMidApplyIsReconciledNotReapplied kills `proposals approve`
// while the simulator holds the write, then a new process reconciles the
// card against live state instead of applying it again.
func TestCLICrashMidApplyIsReconciledNotReapplied(t *testing.T) {
	env, sim, _ := agentEnv(t)
	// While the executor lives, other processes must leave its card alone
	// (the default grace); once it is dead, the next one reconciles at once.
	afterCrash := append(append([]string(nil), env...), "DRIFTDECK_RECONCILE_GRACE=1ms")
	r := runCLI(t, env, "ask", "--json", "add a canary record for the rollout")
	var out struct {
		Proposals []cardJSON `json:"proposals"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Proposals) != 1 {
		t.Fatalf("ask: %v %s %s", err, r.stdout, r.stderr)
	}
	id := out.Proposals[0].ID

	// Hold every DNS create for 50 s: the approving process will be mid-apply.
	fault := `[{"method":"POST","path":"/zones/*/dns_records","latency":"50s"}]`
	resp, err := http.Post(sim.control+"/faults", "application/json", strings.NewReader(fault))
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("install fault: %v %v", err, resp)
	}
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	approve := exec.CommandContext(ctx, binPath, "proposals", "approve", id)
	approve.Env = append(baseEnv(), env...)
	var aout bytes.Buffer
	approve.Stdout, approve.Stderr = &aout, &aout
	if err := approve.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the card is executing, then kill the executor.
	deadline := time.Now().Add(40 * time.Second)
	for {
		r := runCLI(t, env, "proposals", "show", id, "--json")
		var c cardJSON
		_ = json.Unmarshal([]byte(r.stdout), &c)
		if c.Status == "executing" {
			break
		}
		if time.Now().After(deadline) || c.Status == "applied" || c.Status == "failed" {
			t.Fatalf("card never reached executing (status %q); approve said: %s", c.Status, aout.String())
		}
	}
	_ = approve.Process.Signal(syscall.SIGKILL)
	_ = approve.Wait()
	req, _ := http.NewRequest(http.MethodDelete, sim.control+"/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	// The next process reconciles: the write never landed, so the card fails
	// as interrupted and nothing is re-applied.
	r = runCLI(t, afterCrash, "proposals", "show", id, "--json")
	var c cardJSON
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	if c.Status != "failed" || c.Result == nil || !strings.Contains(c.Result.Message, "not re-applied") {
		t.Fatalf("after restart: status %s result %+v; stderr %s", c.Status, c.Result, r.stderr)
	}
	if !strings.Contains(r.stderr, "reconciled") {
		t.Errorf("the reconcile was not reported: %s", r.stderr)
	}
	if captureHasCanary(t, env) {
		t.Fatal("the interrupted change was re-applied")
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

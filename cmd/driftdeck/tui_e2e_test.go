package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/internal/ollamatest"
)

// unreachableOllama makes the console run without a model.
const unreachableOllama = "OLLAMA_HOST=http://127.0.0.1:9"

func TestTUISandboxPanelsShowData(t *testing.T) {
	for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
		t.Run(strings.Join([]string{itoa(int64(size.w)), itoa(int64(size.h))}, "x"), func(t *testing.T) {
			s := startTUI(t, size.w, size.h, []string{unreachableOllama, "DRIFTDECK_STATE_DIR=" + t.TempDir()})
			s.waitFor(15*time.Second, "SANDBOX", "ollama serve")
			if size.w >= 120 {
				s.waitFor(15*time.Second, "No drift", "req/min", "example.org")
			} else {
				s.keys("3")
				s.waitFor(15*time.Second, "No drift")
				s.keys("4")
				s.waitFor(15*time.Second, "req/min", "example.org")
			}
			for _, line := range strings.Split(s.capture(), "\n") {
				if n := len([]rune(line)); n > size.w {
					t.Fatalf("a line is %d columns wide at %dx%d: %q", n, size.w, size.h, line)
				}
			}
		})
	}
}

// sgrColour matches SGR sequences that set a colour.
var sgrColour = regexp.MustCompile(`\x1b\[[0-9;]*?(?:^|;)?(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9;]*)?m`)

func TestTUINoColorHasNoColourCodes(t *testing.T) {
	s := startTUI(t, 120, 40, []string{unreachableOllama, "DRIFTDECK_STATE_DIR=" + t.TempDir(), "NO_COLOR=1"})
	s.waitFor(15*time.Second, "SANDBOX", "req/min")
	if m := sgrColour.FindString(s.captureEscapes()); m != "" {
		t.Fatalf("NO_COLOR screen holds a colour code %q", m)
	}
	// The same screen in colour does hold some, so the check can fail.
	c := startTUI(t, 120, 40, []string{unreachableOllama, "DRIFTDECK_STATE_DIR=" + t.TempDir()})
	c.waitFor(15*time.Second, "SANDBOX", "req/min")
	if sgrColour.FindString(c.captureEscapes()) == "" {
		t.Fatal("the colour screen has no colour codes: the NO_COLOR check proves nothing")
	}
}

// consoleEnv points the console at an external simulator with a baseline
// captured from its starting state.
func consoleEnv(t *testing.T, sim *simProcess, extra ...string) []string {
	t.Helper()
	state := t.TempDir()
	env := []string{"CLOUDFLARE_API_BASE_URL=" + sim.baseURL, "CLOUDFLARE_API_TOKEN=" + sim.tokens["sandbox-write"], "DRIFTDECK_STATE_DIR=" + state}
	r := runCLI(t, env, "baseline", "capture", "--env", "example.net=staging")
	if r.code != 0 {
		t.Fatalf("capture: %s", r.stderr)
	}
	if err := os.WriteFile(filepath.Join(state, "baseline.yaml"), []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return append(env, extra...)
}

func TestTUIEscapeLadenTXTRendersHarmlessly(t *testing.T) {
	sim := startSimProcess(t)
	env := consoleEnv(t, sim, unreachableOllama)
	// A dashboard user adds a TXT record full of escape sequences: title,
	// clear screen, clipboard (OSC 52), hyperlink, bidi override.
	payload := "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cm0gLXJmIC8=\x07\x1b]8;;https://203.0.113.66/\x07click\x1b]8;;\x07 \u202eevil"
	after, _ := jsonMarshal(map[string]any{"type": "TXT", "name": "evil.example.com", "content": payload, "ttl": 1})
	body, _ := jsonMarshal(map[string]any{"actor": "mallory@example.com", "change": map[string]any{"kind": "dns.create", "zone": "example.com", "target": "evil.example.com", "after": json.RawMessage(after)}})
	resp, err := http.Post(sim.control+"/mutate", "application/json", strings.NewReader(string(body)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("mutate: %v %v", err, resp)
	}
	resp.Body.Close()

	s := startTUI(t, 200, 50, env)
	screen := s.waitFor(20*time.Second, "evil.example.com")
	if !strings.Contains(screen, "␛]0;pwned") && !strings.Contains(screen, "␛") {
		t.Fatalf("the escape sequences are not shown visibly:\n%s", screen)
	}
	if strings.Contains(s.title(), "pwned") {
		t.Fatal("the record retitled the terminal")
	}
	if !strings.Contains(screen, "SANDBOX") && !strings.Contains(screen, "Cloudflare") {
		t.Fatalf("the screen was cleared or garbled:\n%s", screen)
	}
	if strings.Contains(s.captureEscapes(), "\x1b]") {
		t.Fatal("an OSC sequence reached the terminal")
	}
}

func TestTUIReadOnlyShowsNoApproveKey(t *testing.T) {
	s := startTUI(t, 120, 40, []string{unreachableOllama, "DRIFTDECK_STATE_DIR=" + t.TempDir()}, "--read-only")
	s.waitFor(15*time.Second, "READ-ONLY")
	assertNoDecisionKeys(t, s)
}

// TestTUIQuestionCardApproveAndReject drives the console with the real
// Ollama server and a scripted model: a question produces a card, approving
// it applies the change in the simulator, and rejecting the next card sends
// the reason back to the agent.
func TestTUIQuestionCardApproveAndReject(t *testing.T) {
	sim := startSimProcess(t)
	scripts, mf := ollamatest.Conversation(t,
		[]string{ollamatest.ToolCallToken("list_zones", "{}")},
		[]string{ollamatest.ToolCallToken("change_dns_record", canaryArgs)},
		ollamatest.Words("Proposed a canary record; it waits for your approval."),
	)
	host := ollamatest.StartReal(t, "scripted", scripts, mf)
	rs, rmf := ollamatest.Conversation(t, []string{`{"risk": "medium", "concerns": ["a new name on a production zone"], "approvals_required": 1}`})
	ollamatest.CreateModel(t, host, "reviewer", rs, rmf)
	modelEnv := []string{"OLLAMA_HOST=" + host, "DRIFTDECK_MODEL=scripted", "DRIFTDECK_REVIEW_MODEL=reviewer", "DRIFTDECK_ALLOWED_CIDRS=192.0.2.0/24"}

	ask := func(s *tmuxSession) {
		s.waitFor(20*time.Second, "scripted")
		s.keys("1", "i")
		s.typeText("add a canary record for the rollout")
		s.keys("Enter")
		s.waitFor(30*time.Second, "waits for your approval")
		s.keys("2")
		s.waitFor(10*time.Second, "1 pending")
		s.keys("j")
	}

	// Approve.
	env := consoleEnv(t, sim, modelEnv...)
	s := startTUI(t, 160, 48, env)
	ask(s)
	s.waitGone(3*time.Second, "keys are ignored")
	time.Sleep(600 * time.Millisecond) // the approve key is ignored for 0.5 s after the card appears
	s.keys("a")
	s.waitFor(5*time.Second, "Approve")
	s.waitGone(3*time.Second, "keys are ignored")
	s.keys("Enter")
	s.waitFor(20*time.Second, "applied")
	if !captureHasCanary(t, env) {
		t.Fatal("approving in the console did not apply the change in the simulator")
	}

	// Reject, in a new console (a new conversation) on a fresh simulator
	// and queue, where the canary does not exist yet.
	env2 := consoleEnv(t, startSimProcess(t), modelEnv...)
	s2 := startTUI(t, 160, 48, env2)
	ask(s2)
	time.Sleep(600 * time.Millisecond)
	s2.keys("r")
	s2.waitFor(5*time.Second, "eason")
	s2.waitGone(3*time.Second, "keys are ignored")
	const reason = "use the staging zone first"
	s2.typeText(reason)
	s2.keys("Enter")
	s2.waitFor(10*time.Second, "rejected")
	state := strings.TrimPrefix(env2[2], "DRIFTDECK_STATE_DIR=")
	db, err := sql.Open("sqlite", filepath.Join(state, "conversations.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var msgs string
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(msgs, reason) && time.Now().Before(deadline) {
		_ = db.QueryRow(`SELECT group_concat(messages) FROM conversations`).Scan(&msgs)
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(msgs, reason) {
		t.Fatal("the rejection reason did not reach the agent's conversation")
	}
}

// assertNoDecisionKeys opens the cards pane's help and checks it offers no
// approve, reject or revert key.
func assertNoDecisionKeys(t *testing.T, s *tmuxSession) {
	t.Helper()
	s.keys("2")
	s.keys("?")
	help := s.waitFor(5*time.Second, "copy card JSON")
	for _, word := range []string{"approve", "reject", "propose revert"} {
		if strings.Contains(strings.ToLower(help), word) {
			t.Fatalf("the read-only help offers %q:\n%s", word, help)
		}
	}
}

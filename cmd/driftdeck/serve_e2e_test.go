package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needSSH is needTmux for the bastion's tests, which also drive OpenSSH.
func needSSH(t *testing.T) {
	t.Helper()
	needTmux(t)
	for _, tool := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("DRIFTDECK_REQUIRE_OLLAMA") != "" {
				t.Fatalf("%s is not installed: the bastion's end-to-end tests need OpenSSH's client (apt-get install openssh-client)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// sshKey generates an ed25519 key pair and returns the private key's path
// and the public key's line.
func sshKey(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name+"@test", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(pub))
}

// bastionProcess is `driftdeck serve` running as its own process.
type bastionProcess struct {
	port   string
	stderr string // file
}

var reSSHListen = regexp.MustCompile(`ssh listening on 127\.0\.0\.1:(\d+)`)

func startBastion(t *testing.T, env []string, args ...string) *bastionProcess {
	t.Helper()
	dir := t.TempDir()
	stderrPath := filepath.Join(dir, "stderr")
	errf, err := os.Create(stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, append([]string{"serve", "--listen", "127.0.0.1:0", "--host-key", filepath.Join(dir, "host_key")}, args...)...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Stderr = errf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &bastionProcess{stderr: stderrPath}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		errf.Close()
		if t.Failed() {
			t.Logf("driftdeck serve stderr:\n%s", b.log())
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := reSSHListen.FindStringSubmatch(sc.Text()); m != nil {
			b.port = m[1]
			break
		}
	}
	go func() { // keep draining
		for sc.Scan() {
		}
	}()
	if b.port == "" {
		t.Fatalf("driftdeck serve printed no address; stderr:\n%s", b.log())
	}
	return b
}

func (b *bastionProcess) log() string {
	out, _ := os.ReadFile(b.stderr)
	return string(out)
}

func (b *bastionProcess) sshArgs(key, login string) []string {
	return []string{"ssh", "-tt", "-i", key, "-p", b.port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", login + "@127.0.0.1"}
}

// attach runs OpenSSH's client into the bastion in a tmux session.
func (b *bastionProcess) attach(t *testing.T, key, login string) *tmuxSession {
	t.Helper()
	name := fmt.Sprintf("ddssh%d-%d", os.Getpid(), tmuxSeq.Add(1))
	shell := shellQuote(append([]string{"env", "-i", "PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "TERM=xterm-256color"}, b.sshArgs(key, login)...))
	return newTmux(t, name, 160, 45, shell, func() string { return "ssh login " + login })
}

func TestServeSSHConsolesShareOneEngine(t *testing.T) {
	needSSH(t)
	sim := startSimProcess(t)
	env := consoleEnv(t, sim, unreachableOllama)
	// Drift before the bastion starts: its first snapshot already shows it.
	after, _ := json.Marshal(map[string]any{"type": "A", "name": "bastion-test.example.com", "content": "198.51.100.7", "ttl": 300})
	body, _ := json.Marshal(map[string]any{"actor": "mallory@example.com", "change": map[string]any{"kind": "dns.create", "zone": "example.com", "target": "bastion-test.example.com", "after": json.RawMessage(after)}})
	resp, err := http.Post(sim.control+"/mutate", "application/json", strings.NewReader(string(body)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("mutate: %v %v", err, resp)
	}
	resp.Body.Close()

	dir := t.TempDir()
	aliceKey, alicePub := sshKey(t, dir, "alice")
	bobKey, bobPub := sshKey(t, dir, "bob")
	eveKey, _ := sshKey(t, dir, "eve")
	users := filepath.Join(dir, "users.yaml")
	doc := fmt.Sprintf("users:\n  - name: alice\n    role: approver\n    keys: [%q]\n  - name: bob\n    role: viewer\n    keys: [%q]\n", alicePub, bobPub)
	if err := os.WriteFile(users, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	b := startBastion(t, env, "--users", users)

	// An unknown key gets no console.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, b.sshArgs(eveKey, "alice")[0], b.sshArgs(eveKey, "alice")[1:]...).CombinedOutput()
	if err == nil || strings.Contains(string(out), "SANDBOX") || strings.Contains(string(out), "Cloudflare") {
		t.Fatalf("an unknown key was let in (err %v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "Permission denied") {
		t.Fatalf("ssh with an unknown key did not say permission denied:\n%s", out)
	}

	// The identity is the key's owner, whatever login name was typed.
	alice := b.attach(t, aliceKey, "root")
	alice.waitFor(20*time.Second, "user alice", "bastion-test")
	bob := b.attach(t, bobKey, "bob")
	bob.waitFor(20*time.Second, "READ-ONLY", "user bob")
	if strings.Contains(alice.capture(), "READ-ONLY") {
		t.Fatalf("the approver's console is read-only:\n%s", alice.capture())
	}

	// A viewer is offered no approve, reject or revert key.
	assertNoDecisionKeys(t, bob)
	bob.keys("Escape")

	// Alice proposes a revert from the drift pane; the card shows up in
	// bob's session: one queue.
	alice.keys("3")
	alice.waitFor(5*time.Second, "bastion-test")
	alice.keys("j") // select the finding
	alice.waitFor(5*time.Second, "› [medium]")
	alice.keys("v")
	alice.waitFor(20*time.Second, "1 pending", "0/2")
	bob.waitFor(10*time.Second, "1 pending", "0/2")

	// Alice approves under her own name; bob sees the approval.
	alice.keys("2")
	alice.keys("j")
	alice.waitGone(3*time.Second, "keys are ignored")
	time.Sleep(600 * time.Millisecond) // the approve key is ignored for 0.5 s after the card appears
	alice.keys("a")
	alice.waitFor(5*time.Second, "Approve", "Type the name")
	alice.waitGone(3*time.Second, "keys are ignored")
	alice.typeText("bastion-test.example.com") // a delete is confirmed by name
	alice.keys("Enter")
	alice.waitFor(10*time.Second, "1/2")
	bob.waitFor(10*time.Second, "1/2")
	show := runCLI(t, env, "proposals", "show", "P-1", "--json")
	var card struct {
		Approvals []struct{ By string } `json:"approvals"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &card); err != nil || len(card.Approvals) != 1 || card.Approvals[0].By != "alice" {
		t.Fatalf("the card's approvals are not alice's (%v): %s %s", err, show.stdout, show.stderr)
	}

	// Quitting ends the session cleanly, and the bastion logs one line per
	// connection: who, which key, how it ended; the unknown key's refusal.
	bob.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.log(), "user=bob") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	log := b.log()
	for _, want := range []string{"user=bob", `outcome="session ended`, "rejected: unknown key SHA256:", `ssh login "root"`, "acting as alice"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the bastion's log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{strings.Fields(alicePub)[1], sim.tokens["sandbox-write"]} {
		if strings.Contains(log, secret) {
			t.Fatal("the bastion logged key material or the API token")
		}
	}
}

func TestServeRefusesABadUsersFile(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(users, []byte("users:\n  - name: alice\n    role: root\n    keys: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, []string{"DRIFTDECK_STATE_DIR=" + dir}, "serve", "--listen", "127.0.0.1:0", "--users", users)
	if r.code != 1 || !strings.Contains(r.stderr, users+":3:") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q: want 1 and one sentence naming %s:3", r.code, r.stderr, users)
	}
}

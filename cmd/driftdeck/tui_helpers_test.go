package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tmuxSession runs the console in a detached tmux session of the given size.
type tmuxSession struct {
	t    *testing.T
	name string
}

var tmuxSeq atomic.Int64

func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("DRIFTDECK_REQUIRE_OLLAMA") != "" { // set by make test / CI
			t.Fatal("tmux is not installed: the console's end-to-end tests need it (apt-get install tmux)")
		}
		t.Skip("tmux is not installed")
	}
}

func startTUI(t *testing.T, width, height int, env []string, args ...string) *tmuxSession {
	t.Helper()
	needTmux(t)
	name := fmt.Sprintf("ddtest%d-%d", os.Getpid(), tmuxSeq.Add(1))
	// The console's environment is exactly env (plus the basics): no
	// developer token or Ollama leaks in.
	stderr := filepath.Join(t.TempDir(), "stderr")
	cmdline := []string{"env", "-i", "PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "TERM=xterm-256color", "COLORTERM=truecolor"}
	cmdline = append(cmdline, env...)
	cmdline = append(cmdline, binPath)
	cmdline = append(cmdline, args...)
	// Keep the console's stderr (a panic, an error) for the failure report.
	shell := shellQuote(cmdline) + " 2>" + shellQuote([]string{stderr})
	return newTmux(t, name, width, height, shell, func() string {
		errOut, _ := os.ReadFile(stderr)
		return "console stderr:\n" + string(errOut)
	})
}

// newTmux runs shell in a detached tmux session on its own tmux server (a
// socket named after the session), so one test's server shutting down can
// never race the next test's session. failInfo adds to the failure report.
func newTmux(t *testing.T, name string, width, height int, shell string, failInfo func() string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, name: name}
	if out, err := s.tmux("new-session", "-d", "-s", name, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), shell).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v %s", err, out)
	}
	socket, _ := s.tmux("display-message", "-p", "#{socket_path}").Output()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen of %s:\n%s\n%s", name, s.capture(), failInfo())
		}
		_ = s.tmux("kill-server").Run()
		if p := strings.TrimSpace(string(socket)); p != "" {
			_ = os.Remove(p)
		}
	})
	return s
}

// tmux runs a tmux command against this session's server.
func (s *tmuxSession) tmux(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", s.name}, args...)...)
}

// capture returns the visible screen as text.
func (s *tmuxSession) capture() string {
	out, err := s.tmux("capture-pane", "-p", "-t", s.name).Output()
	if err != nil {
		return "(capture failed: " + err.Error() + ")"
	}
	return string(out)
}

// captureEscapes returns the screen with tmux's rendering of attributes
// and colours as escape sequences.
func (s *tmuxSession) captureEscapes() string {
	out, _ := s.tmux("capture-pane", "-p", "-e", "-t", s.name).Output()
	return string(out)
}

func (s *tmuxSession) title() string {
	out, _ := s.tmux("display-message", "-p", "-t", s.name, "#{pane_title}").Output()
	return strings.TrimSpace(string(out))
}

// keys sends tmux key names (e.g. "Enter", "Tab", "a") or literal text with -l.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	if out, err := s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys %v: %v %s", keys, err, out)
	}
}

func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	if out, err := s.tmux("send-keys", "-t", s.name, "-l", text).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys -l: %v %s", err, out)
	}
}

// waitFor polls the screen until every want appears, or fails the test.
func (s *tmuxSession) waitFor(limit time.Duration, want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		screen := s.capture()
		ok := true
		for _, w := range want {
			if !strings.Contains(screen, w) {
				ok = false
			}
		}
		if ok {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("after %s the screen lacks %q:\n%s", limit, want, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitGone polls until text is no longer on screen (e.g. an input guard).
func (s *tmuxSession) waitGone(limit time.Duration, text string) {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for strings.Contains(s.capture(), text) {
		if time.Now().After(deadline) {
			s.t.Fatalf("%q still on screen after %s", text, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binPath is the driftdeck binary built once for the CLI tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "driftdeck-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "driftdeck")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build driftdeck: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result of one CLI run.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary with env (added to a minimal environment).
func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = append(baseEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run driftdeck %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// baseEnv keeps the CLI away from the developer's own configuration.
func baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "NO_COLOR=1", "TERM=dumb"}
}

// simProcess is `driftdeck sim` running as its own process.
type simProcess struct {
	cmd     *exec.Cmd
	baseURL string
	control string
	tokens  map[string]string
}

var (
	reBase  = regexp.MustCompile(`base URL:\s+(\S+)`)
	reCtl   = regexp.MustCompile(`control:\s+(\S+)`)
	reToken = regexp.MustCompile(`^\s+(sandbox-\S+)\s+(\S+)\s+\(`)
)

// startSimProcess runs `driftdeck sim` on a free loopback port and reads its
// base URL and tokens from what it prints. Simulated time runs at a
// twentieth of wall time, so the incident's scripted changes (at 40-95 s)
// stay out of tests however slow the machine.
func startSimProcess(t *testing.T, extra ...string) *simProcess {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"sim", "--listen", "127.0.0.1:0", "--speed", "0.05"}, extra...)...)
	cmd.Env = baseEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sp := &simProcess{cmd: cmd, tokens: map[string]string{}}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if m := reBase.FindStringSubmatch(line); m != nil {
			sp.baseURL = m[1]
		}
		if m := reCtl.FindStringSubmatch(line); m != nil {
			sp.control = m[1]
		}
		if m := reToken.FindStringSubmatch(line); m != nil {
			sp.tokens[m[1]] = m[2]
		}
		if strings.HasPrefix(line, "serving until interrupted") {
			break
		}
	}
	go func() { // keep draining so the simulator never blocks on stdout
		for sc.Scan() {
		}
	}()
	if sp.baseURL == "" || sp.tokens["sandbox-write"] == "" {
		t.Fatalf("driftdeck sim printed no base URL or tokens; stderr: %s", stderr.String())
	}
	return sp
}

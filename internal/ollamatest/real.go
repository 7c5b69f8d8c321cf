package ollamatest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// OllamaVersion is the server version the real-server tests run.
const OllamaVersion = "0.17.4"

// Environment variables the real-server helpers read.
const (
	// EnvOllamaBin names the server binary (default: the cache path of
	// shared/tools/ollama-server/build.sh).
	EnvOllamaBin = "DRIFTDECK_OLLAMA_BIN"
	// EnvRequireOllama, when set, turns a missing binary from a skip into a failure.
	EnvRequireOllama = "DRIFTDECK_REQUIRE_OLLAMA"
	// EnvSharedDir is the shared/ directory (default: ../shared beside the repo root).
	EnvSharedDir = "DRIFTDECK_SHARED_DIR"
)

// StartReal starts the real Ollama server on a free loopback port, with its
// own HOME and OLLAMA_MODELS under a temp dir, creates the scripted model
// name from scriptsJSON (tinymodel's format) and modelfile, and returns the
// host URL. The server is stopped (SIGTERM to the serve PID) when the test
// ends. Without a server binary the test is skipped, or fails when
// DRIFTDECK_REQUIRE_OLLAMA is set.
//
// The model file is written as tiny.gguf beside the Modelfile, so the
// Modelfile says `FROM ./tiny.gguf` (a Modelfile without FROM gets it).
func StartReal(t testing.TB, name string, scriptsJSON []byte, modelfile string) (host string) {
	t.Helper()
	bin := ServerBinary(t)
	gen := tinymodelGenerator(t)
	host = startServer(t, bin)
	createModel(t, bin, gen, host, name, scriptsJSON, modelfile)
	return host
}

// CreateModel adds another scripted model to a server StartReal started.
func CreateModel(t testing.TB, host, name string, scriptsJSON []byte, modelfile string) {
	t.Helper()
	createModel(t, ServerBinary(t), tinymodelGenerator(t), host, name, scriptsJSON, modelfile)
}

// ServerBinary finds the Ollama server binary or skips/fails the test.
func ServerBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(EnvOllamaBin)
	if bin == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		bin = filepath.Join(cache, "ollama-server", "ollama-"+OllamaVersion)
	}
	if info, err := os.Stat(bin); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		missing(t, "the Ollama %s server binary is not at %s: build it with ../shared/tools/ollama-server/build.sh (4-15 minutes once) or set %s", OllamaVersion, bin, EnvOllamaBin)
	}
	return bin
}

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequireOllama) != "" {
		t.Fatalf(format+" ("+EnvRequireOllama+" is set)", args...)
	}
	t.Skipf(format, args...)
}

// SharedDir locates shared/: $DRIFTDECK_SHARED_DIR, else ../shared beside
// the repository root (the nearest directory upwards holding go.mod).
func SharedDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv(EnvSharedDir); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the working directory; set %s", EnvSharedDir)
		}
		dir = parent
	}
}

// tinymodelGenerator builds shared/tools/tinymodel once per source version
// into the user's cache and returns the binary's path.
func tinymodelGenerator(t testing.TB) string {
	t.Helper()
	src := filepath.Join(SharedDir(t), "tools", "tinymodel")
	h := sha256.New()
	for _, f := range []string{"main.go", "go.mod"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			missing(t, "the tinymodel generator is not at %s: %v (set %s)", src, err, EnvSharedDir)
		}
		h.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "driftdeck-test")
	bin := filepath.Join(dir, "tinymodel-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Build beside the target and rename: parallel test binaries may race here.
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.Command(goTool(), "build", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the tinymodel generator in %s: %v\n%s", src, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// serverEnv is the environment minus anything Ollama or the user's home
// would leak into an isolated server.
func serverEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OLLAMA_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "HOME="+home), extra...)
}

func startServer(t testing.TB, bin string) string {
	t.Helper()
	dir := t.TempDir()
	home, models := filepath.Join(dir, "home"), filepath.Join(dir, "models")
	for _, d := range []string{home, models} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken before the server binds it
		host, err := tryStart(t, bin, dir, home, models)
		if err == nil {
			return host
		}
		lastErr = err
	}
	t.Fatalf("start the Ollama server: %v", lastErr)
	return ""
}

func tryStart(t testing.TB, bin, dir, home, models string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logPath := filepath.Join(dir, fmt.Sprintf("server-%d.log", port))
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = serverEnv(home, "OLLAMA_HOST="+addr, "OLLAMA_MODELS="+models, "OLLAMA_NOPRUNE=1", "OLLAMA_NO_CLOUD=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return "", fmt.Errorf("run %s serve: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(exited) }()

	host := "http://" + addr
	if err := waitReady(host, exited); err != nil {
		stopServer(cmd, exited)
		return "", fmt.Errorf("%w; server log:\n%s", err, tail(logPath))
	}
	t.Cleanup(func() {
		stopServer(cmd, exited)
		if t.Failed() {
			t.Logf("Ollama server log (%s):\n%s", addr, tail(logPath))
		}
	})
	return host, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls /api/version until it answers, the server exits, or 30 s pass.
func waitReady(host string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, host+"/api/version", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("the server exited before it answered")
		case <-ctx.Done():
			return fmt.Errorf("the server did not answer at %s within 30s", host)
		case <-tick.C:
		}
	}
}

// stopServer sends SIGTERM to the serve process (which stops its runner
// child too) and kills it if it has not exited after 15 s.
func stopServer(cmd *exec.Cmd, exited <-chan struct{}) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

func createModel(t testing.TB, bin, gen, host, name string, scriptsJSON []byte, modelfile string) {
	t.Helper()
	dir := t.TempDir()
	scripts := filepath.Join(dir, "scripts.json")
	if err := os.WriteFile(scripts, scriptsJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gen, "-o", filepath.Join(dir, "tiny.gguf"), "-scripts", scripts).CombinedOutput(); err != nil {
		t.Fatalf("generate the scripted model %s: %v\n%s", name, err, out)
	}
	if !hasFrom(modelfile) {
		modelfile = "FROM ./tiny.gguf\n" + modelfile
	}
	mf := filepath.Join(dir, "Modelfile")
	if err := os.WriteFile(mf, []byte(modelfile), 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "create", name, "-f", mf)
	cmd.Dir = dir
	cmd.Env = serverEnv(home, "OLLAMA_HOST="+host)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("ollama create %s: %v\n%s", name, err, out.String())
	}
}

func hasFrom(modelfile string) bool {
	for _, line := range strings.Split(modelfile, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.EqualFold(f[0], "FROM") {
			return true
		}
	}
	return false
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	const keep = 4000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}

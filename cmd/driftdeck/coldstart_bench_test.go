package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkColdStart measures a fresh `driftdeck` process in sandbox mode
// (embedded simulator, first snapshot, engine, console) from exec to the
// first frame that shows the status bar, on a pseudo-terminal (script(1)).
// Goal: <= 300 ms.
func BenchmarkColdStart(b *testing.B) {
	if _, err := exec.LookPath("script"); err != nil {
		b.Skip("script(1) is not installed")
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		state := b.TempDir()
		cmd := exec.Command("script", "-qfec", binPath+" --sandbox", "/dev/null")
		cmd.Env = append(baseEnv(), "TERM=xterm-256color", "COLUMNS=120", "LINES=40", "OLLAMA_HOST=http://127.0.0.1:9", "DRIFTDECK_STATE_DIR="+state)
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var seen bytes.Buffer
		buf := make([]byte, 4096)
		for !strings.Contains(seen.String(), "SANDBOX") {
			n, err := out.Read(buf)
			seen.Write(buf[:n])
			if err == io.EOF || err != nil {
				b.Fatalf("the console ended before its first frame: %v\n%s", err, seen.String())
			}
		}
		total += time.Since(start)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "first-frame-ms")
}

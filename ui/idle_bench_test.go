package ui

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// countingWriter counts what the program writes to the terminal.
type countingWriter struct {
	mu    sync.Mutex
	n     int
	first time.Time
	buf   bytes.Buffer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 && len(p) > 0 {
		c.first = time.Now()
	}
	c.n += len(p)
	return len(p), nil
}

func (c *countingWriter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// BenchmarkIdleBytes runs the real program (renderer included) on a
// 200x50 terminal with an engine that publishes nothing, lets the first
// frames settle, and reports the bytes written per second while idle (goal 0)
// and the time from program start to the first frame.
func BenchmarkIdleBytes(b *testing.B) {
	for i := 0; i < b.N; i++ {
		eng := newFakeEngine(Status{Sandbox: true, Account: "SANDBOX", Model: "qwen3:8b", ModelState: ModelReady, User: "alice"})
		out := &countingWriter{}
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		p := tea.NewProgram(New(eng, Options{}), tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(out),
			tea.WithWindowSize(200, 50))
		done := make(chan struct{})
		go func() { _, _ = p.Run(); close(done) }()
		// Let startup frames and the first ticks settle.
		time.Sleep(1500 * time.Millisecond)
		before := out.count()
		const idle = 3 * time.Second
		time.Sleep(idle)
		written := out.count() - before
		cancel()
		<-done
		b.ReportMetric(float64(written)/idle.Seconds(), "idle-bytes/s")
		b.ReportMetric(float64(out.first.Sub(start).Microseconds())/1000, "first-frame-ms")
	}
}

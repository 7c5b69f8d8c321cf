package journal

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
)

func BenchmarkAppend(b *testing.B) {
	j, err := Open(context.Background(), filepath.Join(b.TempDir(), "journal.db"), Options{Secrets: []string{"Zx9_kQ2-vL7mN4pR8sT1uW3yA5bC6dE0fG2hJ4kL"}})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	e := Event{Type: TypeToolCall, Actor: "agent", Subject: "conv-1",
		Data: json.RawMessage(`{"tool":"list_dns_records","arguments":{"zone":"example.com","type":"A"}}`)}
	b.ResetTimer()
	for b.Loop() {
		if _, err := j.Append(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
}

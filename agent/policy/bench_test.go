package policy

import (
	"context"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func BenchmarkEvaluate(b *testing.B) {
	e := newEngine(b, "")
	in := withConfig(input(EffectWrite,
		change(infra.DNSUpdate, "example.com", "r1", rec("A", "www.example.com", "192.0.2.1"), rec("A", "www.example.com", "203.0.113.66")),
		change(infra.DNSCreate, "example.com", "", nil, rec("TXT", "_v.example.com", "v=spf1 -all")),
		change(infra.FirewallCreate, "example.com", "", nil, rule("block", `ip.src in {203.0.113.0/24}`, true)),
	), Config{AllowedCIDRs: []string{"192.0.2.0/24"}, AllowedHostnames: []string{".example.com"}})
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		newEngine(b, "")
	}
}

package cloudflare

import (
	"context"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

// BenchmarkSnapshot10x5000 takes a full snapshot of 10 zones with 5,000 DNS
// records each, with a cold client (zone ids not cached) every time.
func BenchmarkSnapshot10x5000(b *testing.B) {
	sc := generatedScenario(b, 10, 5000)
	var srv *cfsim.Server
	var clock *cfsim.ManualClock
	sent := 0
	calls := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The simulator enforces 1,200 requests per 5 minutes of wall time
		// per token; a fresh simulator keeps the benchmark from measuring waits.
		if srv == nil || sent > 1000 {
			b.StopTimer()
			if srv != nil {
				_ = srv.Close()
			}
			srv, clock = startSim(b, sc)
			sent = 0
			b.StartTimer()
		}
		c := simClient(b, srv, clock, "bench-write")
		snap, err := c.Snapshot(context.Background(), infra.Scope{})
		if err != nil {
			b.Fatal(err)
		}
		if len(snap.Zones) != 10 || len(snap.Zones[9].Records) != 5000 || !snap.Zones[9].RecordsFetch.Complete {
			b.Fatalf("incomplete snapshot: %d zones", len(snap.Zones))
		}
		sent += snap.APICalls
		calls += snap.APICalls
	}
	b.ReportMetric(float64(calls)/float64(b.N), "api-calls/op")
}

package drift

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// BenchmarkCompare100k diffs a 100,000-record zone with 1% drift. Goal:
// <= 100 ms and <= 100 MB per diff (reported as ms/op and peak-MB).
func BenchmarkCompare100k(b *testing.B) {
	const n = 100_000
	live := infra.Zone{ID: "z", Name: "big.example", RecordsFetch: &infra.Fetch{Complete: true}}
	for i := 0; i < n; i++ {
		live.Records = append(live.Records, infra.DNSRecord{ID: fmt.Sprintf("id%d", i), Type: "A", Name: fmt.Sprintf("h%d.big.example", i), Content: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), TTL: 300})
	}
	base, err := Capture(&infra.Snapshot{Zones: []infra.Zone{live}, ZonesFetch: infra.Fetch{Complete: true}}, nil, Ignore{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 100 {
		live.Records[i].Content = "192.0.2.1"
	}
	snap := &infra.Snapshot{Zones: []infra.Zone{live}, ZonesFetch: infra.Fetch{Complete: true}}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	var rep Report
	for i := 0; i < b.N; i++ {
		rep = Compare(base, snap, nil)
	}
	b.StopTimer()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if len(rep.Findings) != n/100 {
		b.Fatalf("%d findings, want %d", len(rep.Findings), n/100)
	}
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MB/op")
}

package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkObserve measures streaming throughput on a noisy daily pattern
// with occasional spikes, reported as points per second.
func BenchmarkObserve(b *testing.B) {
	const n = 1 << 16
	rng := rand.New(rand.NewPCG(1, 2))
	vs := make([]float64, n)
	for i := range vs {
		vs[i] = 100 + 40*math.Sin(2*math.Pi*float64(i)/1440) + rng.NormFloat64()*5
		if rng.IntN(2000) == 0 {
			vs[i] *= 3
		}
	}
	t0 := time.Unix(0, 0)
	d := NewDetector(DefaultConfig())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Observe(t0, vs[i&(n-1)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

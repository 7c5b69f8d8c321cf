package anomaly

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

var t0 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

func testEngine() *Engine {
	return NewEngine(EngineConfig{Detector: Config{LearningPoints: 300}})
}

// steadyPoint is a minute of ordinary traffic: about 1,200 requests, 0.4%
// 5xx, 2% 4xx, a few blocks.
func steadyPoint(rng *rand.Rand, i int) infra.Point {
	req := 1200 + rng.NormFloat64()*30
	return infra.Point{
		Time:      t0.Add(time.Duration(i) * time.Minute),
		Requests:  req,
		Status5xx: req * (0.004 + rng.NormFloat64()*0.0003),
		Status4xx: req * (0.02 + rng.NormFloat64()*0.001),
		Bytes:     req * 50_000,
		Blocks:    5 + float64(rng.IntN(3)),
	}
}

func findingOf(fs []Finding, m Metric) *Finding {
	for i := range fs {
		if fs[i].Metric == m {
			return &fs[i]
		}
	}
	return nil
}

func TestEngineExplainsAnErrorBurstAndEndsIt(t *testing.T) {
	e := testEngine()
	rng := rand.New(rand.NewPCG(1, 1))
	i := 0
	for ; i < 600; i++ {
		e.Observe("example.com", steadyPoint(rng, i))
	}
	if fs := e.Findings(); len(fs) != 0 {
		t.Fatalf("findings on steady traffic: %+v", fs)
	}
	burstStart := i
	for ; i < burstStart+10; i++ {
		p := steadyPoint(rng, i)
		p.Status5xx = p.Requests * 0.14
		e.Observe("example.com", p)
	}
	f := findingOf(e.Findings(), MetricRatio5xx)
	if f == nil {
		t.Fatalf("no 5xx finding during a burst; findings: %+v", e.Findings())
	}
	if !f.Active || f.Zone != "example.com" || !f.Start.Equal(t0.Add(time.Duration(burstStart)*time.Minute)) {
		t.Fatalf("finding %+v: want active, zone example.com, start at minute %d", f, burstStart)
	}
	if f.Explanation != "5xx ratio 14% vs usual 0.4%" {
		t.Fatalf("explanation %q", f.Explanation)
	}
	for ; i < burstStart+30; i++ {
		e.Observe("example.com", steadyPoint(rng, i))
	}
	f = findingOf(e.Findings(), MetricRatio5xx)
	if f == nil || f.Active {
		t.Fatalf("5xx finding after recovery: %+v, want it kept and no longer active", f)
	}
	if !f.End.Equal(t0.Add(time.Duration(burstStart+9)*time.Minute)) || f.PeakValue < 0.139 {
		t.Fatalf("ended finding %+v: want End at the burst's last minute and the peak value 14%%", f)
	}
}

func TestEngineExplainsATrafficSurgeWithUnits(t *testing.T) {
	e := testEngine()
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range 600 {
		e.Observe("example.org", steadyPoint(rng, i))
	}
	p := steadyPoint(rng, 600)
	p.Requests, p.Bytes = 8400, 8400*50_000
	p.Status5xx, p.Status4xx = p.Requests*0.004, p.Requests*0.02
	changed := e.Observe("example.org", p)
	req := findingOf(changed, MetricRequests)
	if req == nil {
		t.Fatalf("no requests finding for a 7x surge; changed: %+v", changed)
	}
	if want := "requests 8,400/min vs usual 1,200/min"; req.Explanation != want {
		t.Fatalf("explanation %q, want %q", req.Explanation, want)
	}
	if b := findingOf(changed, MetricBytes); b == nil || b.Explanation != "bytes 420 MB/min vs usual 60 MB/min" {
		t.Fatalf("bytes finding %+v", b)
	}
	if r := findingOf(changed, MetricRatio5xx); r != nil {
		t.Fatalf("a surge with an unchanged error ratio raised %+v", r)
	}
}

func TestEngineIgnoresFewerErrorsAndTinyTraffic(t *testing.T) {
	e := testEngine()
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 600 {
		e.Observe("example.net", steadyPoint(rng, i))
	}
	p := steadyPoint(rng, 600)
	p.Status5xx = 0 // errors vanish: good news
	if f := findingOf(e.Observe("example.net", p), MetricRatio5xx); f != nil {
		t.Fatalf("finding for fewer errors: %+v", f)
	}
	quiet := infra.Point{Time: t0.Add(601 * time.Minute), Requests: 2, Status5xx: 2}
	if f := findingOf(e.Observe("example.net", quiet), MetricRatio5xx); f != nil {
		t.Fatalf("finding for 2 of 2 requests failing: %+v", f)
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		m    Metric
		v    float64
		want string
	}{
		{MetricRatio5xx, 0.004, "0.4%"},
		{MetricRatio5xx, 0.14, "14%"},
		{MetricRatio4xx, 0.00052, "0.05%"},
		{MetricRatio4xx, 0.0423, "4.2%"},
		{MetricRatio4xx, 0, "0%"},
		{MetricRequests, 1234567, "1,200,000/min"},
		{MetricRequests, 8437, "8,400/min"},
		{MetricRequests, 512.4, "512/min"},
		{MetricBlocks, 2.5, "2.5/min"},
		{MetricBytes, 999, "999 B/min"},
		{MetricBytes, 1.5e9, "1.5 GB/min"},
	}
	for _, c := range cases {
		if got := formatValue(c.m, c.v); got != c.want {
			t.Errorf("formatValue(%s, %v) = %q, want %q", c.m, c.v, got, c.want)
		}
	}
}

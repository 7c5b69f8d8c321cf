package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const learn = 750

// seasonal returns n points of a daily-like cycle (period 144) with noise.
func seasonal(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	vs := make([]float64, n)
	for i := range vs {
		vs[i] = 1000 + 300*math.Sin(2*math.Pi*float64(i)/144) + rng.NormFloat64()*20
	}
	return vs
}

func score(vs []float64) []float64 {
	cfg := DefaultConfig()
	cfg.LearningPoints = learn
	return ScoreSeries(nil, vs, cfg)
}

// alerts returns the indexes scored at or above the production threshold.
func alerts(scores []float64) []int {
	var out []int
	for i, s := range scores {
		if s >= ProductionThreshold {
			out = append(out, i)
		}
	}
	return out
}

// firstAlertIn reports the first alert in [from, to), or -1.
func firstAlertIn(scores []float64, from, to int) int {
	for i := from; i < to && i < len(scores); i++ {
		if scores[i] >= ProductionThreshold {
			return i
		}
	}
	return -1
}

func TestSeasonalSeriesWithoutAnomalyHasFewAlerts(t *testing.T) {
	s := score(seasonal(6000, 1))
	if got := alerts(s); len(got) > 2 {
		t.Fatalf("a clean seasonal series raised %d alerts (at %v), want at most 2", len(got), got)
	}
}

func TestSpikeIsDetectedAtOnce(t *testing.T) {
	vs := seasonal(4000, 2)
	vs[3000] = 3000
	s := score(vs)
	if i := firstAlertIn(s, 2990, 3010); i != 3000 {
		t.Fatalf("spike at 3000: first alert near it at %d, want 3000", i)
	}
	if before := firstAlertIn(s, learn, 2990); before >= 0 {
		t.Fatalf("alert at %d before the spike", before)
	}
}

func TestLevelShiftIsDetected(t *testing.T) {
	vs := seasonal(4000, 3)
	for i := 3000; i < len(vs); i++ {
		vs[i] += 500 // within the seen range at the peaks, outside at the troughs
	}
	s := score(vs)
	if i := firstAlertIn(s, 3000, 3150); i < 0 {
		t.Fatal("no alert within 150 points of a level shift at 3000")
	}
	if before := firstAlertIn(s, learn, 3000); before >= 0 {
		t.Fatalf("alert at %d before the level shift", before)
	}
}

func TestVarianceChangeIsDetected(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	vs := make([]float64, 4000)
	for i := range vs {
		sd := 10.0
		if i >= 3000 {
			sd = 60
		}
		vs[i] = 500 + rng.NormFloat64()*sd
	}
	s := score(vs)
	if i := firstAlertIn(s, 3000, 3100); i < 0 {
		t.Fatal("no alert within 100 points of the noise growing six-fold at 3000")
	}
}

func TestRestPeriodSuppressesRepeatedAlerts(t *testing.T) {
	vs := seasonal(4000, 5)
	vs[3000], vs[3010] = 3000, 3100
	s := score(vs)
	if s[3000] < ProductionThreshold {
		t.Fatalf("spike at 3000 scored %.3f", s[3000])
	}
	if s[3010] != 0 {
		t.Fatalf("second spike inside the rest period scored %.3f, want 0", s[3010])
	}
}

func TestScoresStayInUnitInterval(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	series := map[string][]float64{
		"constant":  make([]float64, 2000),
		"noise":     make([]float64, 2000),
		"heavytail": make([]float64, 2000),
		"ramp":      make([]float64, 2000),
	}
	for i := range 2000 {
		series["constant"][i] = 42
		series["noise"][i] = rng.NormFloat64()
		series["heavytail"][i] = math.Exp(rng.NormFloat64() * 3)
		series["ramp"][i] = float64(i) * 1e9
	}
	for name, vs := range series {
		for i, s := range score(vs) {
			if !(s >= 0 && s <= 1) {
				t.Fatalf("%s: score %v at %d is outside [0,1]", name, s, i)
			}
		}
	}
}

func TestLearningPeriodScoresZero(t *testing.T) {
	vs := seasonal(1000, 7)
	vs[100] = 1e6
	for i, s := range score(vs)[:learn] {
		if s != 0 {
			t.Fatalf("score %.3f at %d inside the learning period", s, i)
		}
	}
}

func TestScoreSeriesUsesNABProbationByDefault(t *testing.T) {
	vs := seasonal(2000, 8) // probation: 300 points
	vs[400] = 5000
	s := ScoreSeries(nil, vs, DefaultConfig())
	if s[299] != 0 || s[400] < ProductionThreshold {
		t.Fatalf("score at 299 = %.3f (want 0), at 400 = %.3f (want an alert)", s[299], s[400])
	}
}

func TestDetectorIsDeterministic(t *testing.T) {
	vs := seasonal(3000, 9)
	vs[2500] = 9000
	a, b := score(vs), score(vs)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("two runs differ at %d: %v vs %v", i, a[i], b[i])
		}
	}
}

func TestStreamingDetectorLearnsADayFirst(t *testing.T) {
	d := NewDetector(DefaultConfig())
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, v := range seasonal(StreamingLearningPoints, 10) {
		if s := d.Observe(t0.Add(time.Duration(i)*time.Minute), v*float64(1+i%2)); s != 0 {
			t.Fatalf("score %.3f at %d while learning", s, i)
		}
	}
	if !d.Warm() {
		t.Fatal("detector not warm after StreamingLearningPoints points")
	}
}

package anomaly

import (
	"math"
	"time"
)

// Detector scores one time series point by point, in O(ContextLen) time and
// bounded memory per point. It is not safe for concurrent use; keep one per
// (zone, metric).
//
// Method: each value is quantised into Bins levels over the range learned in
// the first LearningPoints points. The raw score is the share of the contexts
// ending at this point (its last 1..ContextLen levels) never seen before. As
// in HTM, the raw score is turned into a likelihood: the Gaussian tail of its
// short-term mean against its long-term distribution, on a log scale. A value
// outside the range ever seen (with a tolerance) scores 1. After an alert the
// detector rests for RestPoints points, because one event needs one alert.
type Detector struct {
	cfg Config
	n   int // points observed

	lo, hi float64 // range of every value seen so far

	qmin, qstep float64 // quantisation, fixed once learning ends
	levels      []int64 // last ContextLen levels, newest first
	seen        *contextSet

	shortTerm *windowStats // recent raw scores
	longTerm  *windowStats // distribution of their short-term means
	rest      int          // points left without alerts
}

// NewDetector returns a detector; zero fields of cfg take DefaultConfig's.
func NewDetector(cfg Config) *Detector {
	cfg = cfg.withDefaults()
	return &Detector{
		cfg:       cfg,
		levels:    make([]int64, 0, cfg.ContextLen),
		seen:      newContextSet(cfg.MaxContexts),
		shortTerm: newWindowStats(cfg.AverageWindow),
		longTerm:  newWindowStats(cfg.HistoryWindow),
	}
}

// Observe adds the next point and returns its anomaly score in [0,1]: 0
// while learning and while resting after an alert. Scores at or above
// cfg.Threshold are alerts. t is not used by the scoring: points are assumed
// evenly spaced and oldest first.
func (d *Detector) Observe(_ time.Time, v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	d.n++
	learning := d.n <= d.cfg.LearningPoints
	if d.n == 1 {
		d.lo, d.hi = v, v
	}
	outside := false
	if !learning && d.hi > d.lo {
		tol := d.cfg.RangeTolerance * (d.hi - d.lo)
		outside = v > d.hi+tol || v < d.lo-tol
	}
	d.lo, d.hi = math.Min(d.lo, v), math.Max(d.hi, v)
	if learning {
		d.quantiseOver(d.lo, d.hi)
	}

	d.shortTerm.add(d.novelty(v))
	mean := d.shortTerm.mean()
	score := 0.0
	if d.longTerm.count() >= d.cfg.AverageWindow {
		score = logLikelihood(mean, d.longTerm.mean(), d.longTerm.variance())
	}
	// Early in learning every context is new; keep those means out of the
	// long-term distribution (HTM skips them the same way).
	if d.n > d.cfg.LearningPoints/2 {
		d.longTerm.add(mean)
	}

	switch {
	case learning:
		return 0
	case d.rest > 0:
		d.rest--
		return 0
	}
	if outside {
		score = 1
	}
	if score >= d.cfg.Threshold {
		d.rest = d.cfg.RestPoints
	}
	return score
}

// Warm reports whether the learning period is over: the next point is scored.
func (d *Detector) Warm() bool { return d.n >= d.cfg.LearningPoints }

func (d *Detector) quantiseOver(lo, hi float64) {
	r := hi - lo
	if r <= 0 {
		r = math.Max(math.Abs(lo), 1) * 1e-3
	}
	d.qmin, d.qstep = lo, r/float64(d.cfg.Bins)
}

// novelty quantises v and returns the share of the contexts ending at v
// (its last 1..ContextLen levels) that were never seen before, and remembers
// them.
func (d *Detector) novelty(v float64) float64 {
	level := int64(math.Floor((v - d.qmin) / d.qstep))
	if len(d.levels) < cap(d.levels) {
		d.levels = append(d.levels, 0)
	}
	copy(d.levels[1:], d.levels[:len(d.levels)-1])
	d.levels[0] = level
	h := uint64(0x9e3779b97f4a7c15)
	novel := 0
	for _, l := range d.levels {
		h = mix64(h ^ uint64(l))
		if d.seen.addNew(h) {
			novel++
		}
	}
	return float64(novel) / float64(len(d.levels))
}

// mix64 is SplitMix64's finaliser: a cheap, well-spread 64-bit hash step.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// logLikelihood is HTM's anomaly log-likelihood: the Gaussian upper tail q of
// x under (mean, variance), mapped so that q = 1e-5 gives 0.5 and q <= 1e-10
// gives 1.
func logLikelihood(x, mean, variance float64) float64 {
	const minVariance = 0.0003 // HTM's floor: a flat history is not certainty
	variance = math.Max(variance, minVariance)
	z := (x - mean) / math.Sqrt(variance)
	q := 0.5 * math.Erfc(z/math.Sqrt2)
	s := math.Log(q+1e-10) / math.Log(1e-10)
	return math.Min(math.Max(s, 0), 1)
}

// ScoreSeries scores a whole series with a fresh detector. When
// cfg.LearningPoints is zero (DefaultConfig) it learns for NAB's
// probationary period: 15% of the series, at most 750 points.
func ScoreSeries(ts []time.Time, vs []float64, cfg Config) []float64 {
	if cfg.LearningPoints <= 0 {
		cfg.LearningPoints = max(ProbationPoints(len(vs)), 1)
	}
	d := NewDetector(cfg)
	out := make([]float64, len(vs))
	var t time.Time
	for i, v := range vs {
		if i < len(ts) {
			t = ts[i]
		}
		out[i] = d.Observe(t, v)
	}
	return out
}

// ProbationPoints is NAB's probationary period for a series of n points.
func ProbationPoints(n int) int {
	return min(int(math.Floor(0.15*float64(n))), 750)
}

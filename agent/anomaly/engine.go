package anomaly

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Metric names one per-zone traffic series the engine watches.
type Metric string

const (
	MetricRequests Metric = "requests"  // requests per minute
	MetricRatio5xx Metric = "ratio_5xx" // share of requests answered 5xx
	MetricRatio4xx Metric = "ratio_4xx" // share of requests answered 4xx
	MetricBlocks   Metric = "blocks"    // firewall blocks per minute
	MetricBytes    Metric = "bytes"     // bytes served per minute
)

// Metrics lists every metric in the order findings are reported.
var Metrics = []Metric{MetricRequests, MetricRatio5xx, MetricRatio4xx, MetricBlocks, MetricBytes}

// Finding is one anomaly on one zone's metric.
type Finding struct {
	Zone        string    `json:"zone"`
	Metric      Metric    `json:"metric"`
	Start       time.Time `json:"start"`
	Peak        time.Time `json:"peak"` // the point farthest from usual
	End         time.Time `json:"end"`  // the last anomalous point so far
	Score       float64   `json:"score"`
	Current     float64   `json:"current"`    // latest value while active; the value at End once over
	PeakValue   float64   `json:"peak_value"` // the value at Peak
	Usual       float64   `json:"usual"`      // median of the points before Start
	Explanation string    `json:"explanation"`
	Active      bool      `json:"active"`
}

// EngineConfig tunes the engine around its detectors.
type EngineConfig struct {
	Detector       Config
	MinRequests    float64 // ratios are not scored below this many requests a point (0: 20)
	BaselinePoints int     // points kept to compute "usual" (0: 60)
	CalmPoints     int     // points back near usual before a finding ends (0: 5)
	KeepEnded      int     // ended findings kept for Findings (0: 100)
}

func (c EngineConfig) withDefaults() EngineConfig {
	if c.MinRequests <= 0 {
		c.MinRequests = 20
	}
	if c.BaselinePoints <= 0 {
		c.BaselinePoints = 60
	}
	if c.CalmPoints <= 0 {
		c.CalmPoints = 5
	}
	if c.KeepEnded <= 0 {
		c.KeepEnded = 100
	}
	return c
}

type seriesKey struct {
	zone   string
	metric Metric
}

// seriesState is everything the engine keeps for one (zone, metric).
type seriesState struct {
	det    *Detector
	recent []float64 // ring of the last BaselinePoints values
	next   int
	open   *Finding
	spread float64 // robust spread of the baseline when the finding opened
	calm   int     // consecutive points near usual while open
}

// Engine runs one Detector per (zone, metric) and turns alerts into
// findings that stay active while the metric stays away from its usual
// level. It is not safe for concurrent use.
type Engine struct {
	cfg    EngineConfig
	series map[seriesKey]*seriesState
	ended  []Finding
}

// NewEngine returns an engine; zero fields of cfg take their defaults.
func NewEngine(cfg EngineConfig) *Engine {
	return &Engine{cfg: cfg.withDefaults(), series: map[seriesKey]*seriesState{}}
}

// Observe feeds one minute of a zone's traffic to the detectors and returns
// the findings it opened or updated.
func (e *Engine) Observe(zone string, p infra.Point) []Finding {
	var changed []Finding
	for _, m := range Metrics {
		v, ok := e.metricValue(m, p)
		if !ok {
			continue
		}
		if f, ok := e.observe(seriesKey{zone, m}, p.Time, v); ok {
			changed = append(changed, f)
		}
	}
	return changed
}

func (e *Engine) metricValue(m Metric, p infra.Point) (float64, bool) {
	switch m {
	case MetricRequests:
		return p.Requests, true
	case MetricRatio5xx, MetricRatio4xx:
		// a handful of requests makes a ratio meaningless (1 of 2 is 50%)
		if p.Requests < e.cfg.MinRequests {
			return 0, false
		}
		if m == MetricRatio5xx {
			return p.Status5xx / p.Requests, true
		}
		return p.Status4xx / p.Requests, true
	case MetricBlocks:
		return p.Blocks, true
	case MetricBytes:
		return p.Bytes, true
	}
	return 0, false
}

func (e *Engine) observe(k seriesKey, t time.Time, v float64) (Finding, bool) {
	s := e.series[k]
	if s == nil {
		s = &seriesState{det: NewDetector(e.cfg.Detector)}
		e.series[k] = s
	}
	score := s.det.Observe(t, v)
	defer s.remember(v, e.cfg.BaselinePoints)
	if s.open != nil {
		return e.update(k, s, t, v, score), true
	}
	if score < s.det.cfg.Threshold || len(s.recent) == 0 {
		return Finding{}, false
	}
	usual, spread := medianSpread(s.recent)
	if !concerning(k.metric, v, usual) {
		return Finding{}, false
	}
	s.spread, s.calm = spread, 0
	s.open = &Finding{Zone: k.zone, Metric: k.metric, Start: t, Peak: t, End: t, Score: score,
		Current: v, PeakValue: v, Usual: usual, Active: true}
	s.open.Explanation = explain(k.metric, v, usual)
	return *s.open, true
}

// update extends an open finding, and ends it once the metric has been back
// near its usual level for CalmPoints points.
func (e *Engine) update(k seriesKey, s *seriesState, t time.Time, v, score float64) Finding {
	f := s.open
	f.Current, f.Score = v, math.Max(f.Score, score)
	if math.Abs(v-f.Usual) > math.Abs(f.PeakValue-f.Usual) {
		f.Peak, f.PeakValue = t, v
	}
	if nearUsual(v, f.Usual, s.spread) {
		s.calm++
	} else {
		s.calm = 0
		f.End = t
	}
	f.Explanation = explain(k.metric, v, f.Usual)
	if s.calm < e.cfg.CalmPoints {
		return *f
	}
	f.Active = false
	f.Current = f.PeakValue
	f.Explanation = explain(k.metric, f.PeakValue, f.Usual)
	e.ended = append(e.ended, *f)
	if len(e.ended) > e.cfg.KeepEnded {
		e.ended = slices.Delete(e.ended, 0, len(e.ended)-e.cfg.KeepEnded)
	}
	s.open = nil
	return *f
}

func (s *seriesState) remember(v float64, n int) {
	if len(s.recent) < n {
		s.recent = append(s.recent, v)
		return
	}
	s.recent[s.next] = v
	s.next = (s.next + 1) % n
}

// Findings returns the active findings, most recent first, then the ended
// ones kept, most recent first.
func (e *Engine) Findings() []Finding {
	var out []Finding
	for _, s := range e.series {
		if s.open != nil {
			out = append(out, *s.open)
		}
	}
	byStart := func(a, b Finding) int {
		return cmp.Or(b.Start.Compare(a.Start), cmp.Compare(a.Zone, b.Zone), cmp.Compare(a.Metric, b.Metric))
	}
	slices.SortFunc(out, byStart)
	ended := slices.Clone(e.ended)
	slices.SortFunc(ended, byStart)
	return append(out, ended...)
}

// concerning says whether a deviation is worth a finding: fewer errors or
// fewer blocks than usual is good news, not an incident.
func concerning(m Metric, v, usual float64) bool {
	switch m {
	case MetricRatio5xx, MetricRatio4xx, MetricBlocks:
		return v > usual
	}
	return v != usual
}

// nearUsual treats a value within three robust spreads (and 10% of usual)
// of the baseline as back to normal.
func nearUsual(v, usual, spread float64) bool {
	return math.Abs(v-usual) <= math.Max(3*spread, 0.1*math.Abs(usual))
}

// medianSpread returns the median of xs and its median absolute deviation
// scaled to a standard deviation. It sorts a copy: it runs only when a
// finding opens, never per point.
func medianSpread(xs []float64) (median, spread float64) {
	c := slices.Clone(xs)
	slices.Sort(c)
	median = quantileSorted(c)
	for i, x := range c {
		c[i] = math.Abs(x - median)
	}
	slices.Sort(c)
	return median, 1.4826 * quantileSorted(c)
}

func quantileSorted(c []float64) float64 {
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

package cfsim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// injection is a traffic anomaly over [Start, End).
type injection struct {
	Zone       string    `json:"zone"`
	Kind       string    `json:"kind"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Multiplier float64   `json:"multiplier,omitempty"`
	Ratio      float64   `json:"ratio,omitempty"`
}

// injection validates t and places it at start. zones, when not nil, are
// the zone names it may name.
func (t *TrafficSpec) injection(start time.Time, zones map[string]bool) (injection, error) {
	d, err := time.ParseDuration(t.Duration)
	if err != nil || d <= 0 || d > 7*24*time.Hour {
		return injection{}, fmt.Errorf("duration %q is not a duration between 1s and 168h", t.Duration)
	}
	if zones != nil && !zones[t.Zone] {
		return injection{}, fmt.Errorf("zone %q is not in the scenario", t.Zone)
	}
	inj := injection{Zone: t.Zone, Kind: t.Kind, Start: start, End: start.Add(d), Multiplier: t.Multiplier, Ratio: t.Ratio}
	switch t.Kind {
	case "spike":
		if t.Multiplier <= 0 || t.Multiplier > 1000 {
			return injection{}, fmt.Errorf("a spike needs a multiplier above 0 and at most 1000, not %g", t.Multiplier)
		}
		if t.Ratio < 0 || t.Ratio > 1 {
			return injection{}, fmt.Errorf("ratio %g must be between 0 and 1", t.Ratio)
		}
	case "errors":
		if t.Ratio <= 0 || t.Ratio > 1 {
			return injection{}, fmt.Errorf("an error burst needs a 5xx ratio above 0 and at most 1, not %g", t.Ratio)
		}
	case "blocks":
		if (t.Multiplier <= 0 && t.Ratio <= 0) || t.Multiplier > 1000 || t.Ratio > 1 {
			return injection{}, fmt.Errorf("a block surge needs a multiplier (at most 1000) or a ratio (at most 1)")
		}
	default:
		return injection{}, fmt.Errorf("kind %q is unknown (use spike, errors or blocks)", t.Kind)
	}
	return inj, nil
}

// minuteTraffic is one minute of a zone: requests by status, bytes by
// status, firewall events by action.
type minuteTraffic struct {
	Status  map[int]int
	Bytes   map[int]int
	Actions map[string]int
}

var (
	httpStatuses = []int{200, 301, 304, 403, 404, 429, 500, 502, 503}
	fwActions    = []string{"block", "js_challenge", "managed_challenge"}
)

// unitNoise maps (seed, zone, minute, salt) to [-1, 1] deterministically.
func unitNoise(seed int64, zone string, minute int64, salt string) float64 {
	sum := sha256.Sum256([]byte(fmt.Sprint(seed, "/", zone, "/", minute, "/", salt)))
	return float64(binary.BigEndian.Uint64(sum[:8]))/float64(math.MaxUint64)*2 - 1
}

// trafficAt computes the zone's traffic in the minute starting at m.
func (st *state) trafficAt(z *zoneState, m time.Time) minuteTraffic {
	model := st.models[z.Name]
	minute := m.Unix() / 60
	hour := float64(m.UTC().Hour()) + float64(m.UTC().Minute())/60
	// Peak at 15:00 UTC, trough at 03:00.
	daily := 1 + model.DailyAmplitude*math.Sin(2*math.Pi*(hour-9)/24)
	weekly := 1.0
	if wd := m.UTC().Weekday(); wd == time.Saturday || wd == time.Sunday {
		weekly = 1 - model.WeeklyAmplitude
	}
	req := model.BaseRPM * daily * weekly * (1 + model.Noise*unitNoise(st.seed, z.ID, minute, "req"))
	r4, r5, rb, rc := model.Ratio4xx, model.Ratio5xx, model.RatioBlocks, model.RatioChallenges
	for _, inj := range st.injects {
		if inj.Zone != z.Name {
			continue
		}
		frac := overlap(inj.Start, inj.End, m, m.Add(time.Minute))
		if frac <= 0 {
			continue
		}
		switch inj.Kind {
		case "spike":
			req *= 1 + (inj.Multiplier-1)*frac
			if inj.Ratio > 0 {
				r5 = r5*(1-frac) + inj.Ratio*frac
			}
		case "errors":
			r5 = r5*(1-frac) + inj.Ratio*frac
		case "blocks":
			if inj.Multiplier > 0 {
				rb *= 1 + (inj.Multiplier-1)*frac
			}
			if inj.Ratio > 0 {
				rb = rb*(1-frac) + inj.Ratio*frac
			}
		}
	}
	total := int(math.Round(math.Max(req, 0)))
	n := func(share float64) int { return int(math.Round(float64(total) * math.Min(math.Max(share, 0), 1))) }
	t := minuteTraffic{Status: map[int]int{}, Bytes: map[int]int{}, Actions: map[string]int{}}
	n5, n4 := n(r5), n(r4)
	t.Status[500] = int(math.Round(float64(n5) * 0.5))
	t.Status[502] = int(math.Round(float64(n5) * 0.3))
	t.Status[503] = n5 - t.Status[500] - t.Status[502]
	t.Status[404] = int(math.Round(float64(n4) * 0.6))
	t.Status[403] = int(math.Round(float64(n4) * 0.25))
	t.Status[429] = n4 - t.Status[404] - t.Status[403]
	t.Status[301] = n(0.02)
	t.Status[304] = n(0.08)
	t.Status[200] = max(0, total-n5-n4-t.Status[301]-t.Status[304])
	bpr := model.BytesPerRequest * (1 + 0.1*unitNoise(st.seed, z.ID, minute, "bytes"))
	for status, count := range t.Status {
		per := 1500.0
		switch {
		case status == 200:
			per = bpr
		case status < 400:
			per = 300
		}
		t.Bytes[status] = int(math.Round(float64(count) * per))
	}
	t.Actions["block"] = n(rb)
	t.Actions["managed_challenge"] = n(rc * 0.7)
	t.Actions["js_challenge"] = n(rc * 0.3)
	return t
}

// overlap is the share of [b0, b1) covered by [a0, a1).
func overlap(a0, a1, b0, b1 time.Time) float64 {
	start, end := a0, a1
	if b0.After(start) {
		start = b0
	}
	if b1.Before(end) {
		end = b1
	}
	if !end.After(start) {
		return 0
	}
	return float64(end.Sub(start)) / float64(b1.Sub(b0))
}

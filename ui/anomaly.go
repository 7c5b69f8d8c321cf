package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/anomaly"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/agent/watch"
)

// anomalyPane shows per-zone traffic as sparklines (requests and 5xx
// ratio), current against usual, and the zone's active findings.
type anomalyPane struct {
	st       styles
	traffic  map[string]watch.TrafficState
	findings map[string][]anomaly.Finding
	zones    []string // filtered, sorted: zones with active findings first
	selZone  string
	filter   string
	zone     string
}

func newAnomalyPane(st styles) *anomalyPane {
	return &anomalyPane{st: st, traffic: map[string]watch.TrafficState{}, findings: map[string][]anomaly.Finding{}}
}

func (a *anomalyPane) setTraffic(t watch.TrafficState) {
	a.traffic[t.Zone] = t
	a.refilter()
}

func (a *anomalyPane) setFindings(zone string, fs []anomaly.Finding) {
	a.findings[zone] = fs
	a.refilter()
}

func (a *anomalyPane) activeCount(zone string) int {
	n := 0
	for _, f := range a.findings[zone] {
		if f.Active {
			n++
		}
	}
	return n
}

func (a *anomalyPane) totalActive() int {
	n := 0
	for z := range a.findings {
		n += a.activeCount(z)
	}
	return n
}

func (a *anomalyPane) refilter() {
	set := map[string]bool{}
	for z := range a.traffic {
		set[z] = true
	}
	for z := range a.findings {
		set[z] = true
	}
	a.zones = a.zones[:0]
	q := strings.ToLower(a.filter)
	for z := range set {
		if a.zone != "" && z != a.zone {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(z), q) {
			continue
		}
		a.zones = append(a.zones, z)
	}
	sort.Slice(a.zones, func(i, j int) bool {
		ai, aj := a.activeCount(a.zones[i]), a.activeCount(a.zones[j])
		if (ai > 0) != (aj > 0) {
			return ai > 0
		}
		return a.zones[i] < a.zones[j]
	})
	if a.selZone != "" && !contains(a.zones, a.selZone) {
		a.selZone = ""
	}
}

func (a *anomalyPane) move(n int) {
	if len(a.zones) == 0 {
		return
	}
	i := -1
	for k, z := range a.zones {
		if z == a.selZone {
			i = k
		}
	}
	switch {
	case i < 0 && n >= 0:
		i = 0
	case i < 0:
		i = len(a.zones) - 1
	default:
		i = clampInt(i+n, 0, len(a.zones)-1)
	}
	a.selZone = a.zones[i]
}

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last w values scaled between their min and max.
func sparkline(vals []float64, w int) string {
	if w <= 0 || len(vals) == 0 {
		return ""
	}
	if len(vals) > w {
		vals = vals[len(vals)-w:]
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if hi > lo {
			i = int((v - lo) / (hi - lo) * float64(len(sparkRunes)-1))
		}
		b.WriteRune(sparkRunes[clampInt(i, 0, len(sparkRunes)-1)])
	}
	return b.String()
}

func series(points []infra.Point) (req, ratio []float64) {
	req = make([]float64, len(points))
	ratio = make([]float64, len(points))
	for i, p := range points {
		req[i] = p.Requests
		if p.Requests > 0 {
			ratio[i] = p.Status5xx / p.Requests
		}
	}
	return req, ratio
}

// median of xs, without the newest value (it is what is compared).
func usual(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	c := append([]float64(nil), xs[:len(xs)-1]...)
	sort.Float64s(c)
	return c[len(c)/2]
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// zoneLines renders one zone: a header, two sparklines, active findings.
func (a *anomalyPane) zoneLines(zone string, w int, now time.Time) []string {
	sel := zone == a.selZone
	cursor := "  "
	if sel {
		cursor = "› "
	}
	t := a.traffic[zone]
	head := cursor + sanitize.Hostname(zone)
	if n := a.activeCount(zone); n > 0 {
		head += " " + a.st.danger.Render(fmt.Sprintf("%d active", n))
	}
	if t.Status.Stale {
		head += a.st.warn.Render(" · stale since " + clockTime(t.Status.LastOK))
	}
	if sel {
		head = a.st.selected.Render(fitLine(head, w))
	}
	out := []string{head}
	req, ratio := series(t.Points)
	sw := clampInt(w-40, 8, 120)
	if len(req) > 0 {
		cur := req[len(req)-1]
		out = append(out, fitTrim(fmt.Sprintf("    req/min %s %7s (usual %s)", sparkline(req, sw), human(cur), human(usual(req))), w))
		curR := ratio[len(ratio)-1]
		line := fmt.Sprintf("    5xx     %s %6.2f%% (usual %.2f%%)", sparkline(ratio, sw), curR*100, usual(ratio)*100)
		if curR > 0.05 {
			line = a.st.danger.Render(fitTrim(line, w))
		}
		out = append(out, fitTrim(line, w))
	} else {
		out = append(out, a.st.dim.Render("    no traffic data yet"))
	}
	for _, f := range a.findings[zone] {
		if !f.Active {
			continue
		}
		l := fmt.Sprintf("    ⚠ %s: %s", sanitize.Line(string(f.Metric)), sanitize.Line(f.Explanation))
		if !f.Start.IsZero() {
			l += fmt.Sprintf(" (for %s)", ago(now, f.Start))
		}
		out = append(out, a.st.warn.Render(fitTrim(l, w)))
	}
	return out
}

func (a *anomalyPane) view(w, h int, now time.Time) []string {
	if len(a.zones) == 0 {
		if len(a.traffic)+len(a.findings) > 0 {
			return []string{a.st.dim.Render("No zone matches the filter: esc clears it.")}
		}
		return []string{a.st.dim.Render("Waiting for traffic data…")}
	}
	var rows []string
	selRow := -1
	for _, z := range a.zones {
		if z == a.selZone {
			selRow = len(rows)
		}
		rows = append(rows, a.zoneLines(z, w, now)...)
		if selRow < 0 && len(rows) > h*4 {
			break // nothing further can be seen without a selection below
		}
	}
	top := 0
	if selRow >= h {
		top = selRow - h/2
	}
	end := min(len(rows), top+h)
	return rows[top:end]
}

package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/agent/watch"
)

// driftPane lists drift findings by zone and severity, with their age and
// whether the data behind them is stale.
type driftPane struct {
	st        styles
	state     watch.DriftState
	have      bool
	feeds     map[string]watch.FeedStatus
	firstSeen map[string]time.Time // finding id -> when this console first saw it
	hint      string               // why there is no report (no baseline), from Status

	items     []drift.Finding   // filtered, in display order (zone, then severity)
	zoneCount map[string][2]int // zone -> findings shown, high ones
	selID     string
	top       int

	filter string
	zone   string
}

func newDriftPane(st styles) *driftPane {
	return &driftPane{st: st, feeds: map[string]watch.FeedStatus{}, firstSeen: map[string]time.Time{}}
}

func sevRank(s drift.Severity) int {
	switch s {
	case drift.High:
		return 3
	case drift.Medium:
		return 2
	case drift.Low:
		return 1
	}
	return 0
}

func (d *driftPane) setState(s watch.DriftState, now time.Time) {
	d.state, d.have = s, true
	seen := map[string]bool{}
	for _, f := range s.Report.Findings {
		seen[f.ID] = true
		if _, ok := d.firstSeen[f.ID]; !ok {
			d.firstSeen[f.ID] = now
		}
	}
	for id := range d.firstSeen { // resolved findings start fresh if they return
		if !seen[id] {
			delete(d.firstSeen, id)
		}
	}
	d.refilter()
}

func (d *driftPane) refilter() {
	d.items = d.items[:0]
	q := strings.ToLower(d.filter)
	for _, f := range d.state.Report.Findings {
		if d.zone != "" && f.Zone != d.zone {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(f.Zone+" "+f.Key+" "+f.Summary+" "+string(f.Kind)+" "+string(f.Severity)), q) {
			continue
		}
		d.items = append(d.items, f)
	}
	sort.SliceStable(d.items, func(i, j int) bool {
		a, b := d.items[i], d.items[j]
		if a.Zone != b.Zone {
			return a.Zone < b.Zone
		}
		return sevRank(a.Severity) > sevRank(b.Severity)
	})
	d.zoneCount = map[string][2]int{}
	for _, f := range d.items {
		c := d.zoneCount[f.Zone]
		c[0]++
		if f.Severity == drift.High {
			c[1]++
		}
		d.zoneCount[f.Zone] = c
	}
	if d.selID != "" && d.index(d.selID) < 0 {
		d.selID = ""
	}
}

func (d *driftPane) index(id string) int {
	for i, f := range d.items {
		if f.ID == id {
			return i
		}
	}
	return -1
}

func (d *driftPane) selected() *drift.Finding {
	if i := d.index(d.selID); i >= 0 {
		return &d.items[i]
	}
	return nil
}

func (d *driftPane) move(n int) {
	if len(d.items) == 0 {
		return
	}
	i := d.index(d.selID)
	switch {
	case i < 0 && n >= 0:
		i = 0
	case i < 0:
		i = len(d.items) - 1
	default:
		i = clampInt(i+n, 0, len(d.items)-1)
	}
	d.selID = d.items[i].ID
}

// zoneFindings returns the revertable findings of zone.
func (d *driftPane) zoneFindings(zone string) []string {
	var ids []string
	for _, f := range d.items {
		if f.Zone == zone && len(f.Revert) > 0 {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// staleLines says which data is stale and since when.
func (d *driftPane) staleLines(w int) []string {
	var out []string
	if d.have && d.state.Stale {
		out = append(out, d.st.warn.Render(fitTrim("stale since "+clockTime(d.state.At)+" (refresh failed)", w)))
	}
	names := make([]string, 0, len(d.feeds))
	for n := range d.feeds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := d.feeds[n]
		if !f.Stale {
			continue
		}
		since := "never fetched"
		if !f.LastOK.IsZero() {
			since = "stale since " + clockTime(f.LastOK)
		}
		l := fmt.Sprintf("%s: %s, %d failures: %s", sanitize.Line(n), since, f.Failures, sanitize.Line(f.Error))
		out = append(out, d.st.warn.Render(fitTrim(l, w)))
	}
	return out
}

func clockTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("15:04:05 UTC")
}

// rows lays out zone headers and findings; selRow is the selection's row.
func (d *driftPane) rows(w int, now time.Time) (rows []string, selRow int) {
	selRow = -1
	zone := ""
	for i, f := range d.items {
		if f.Zone != zone || i == 0 {
			zone = f.Zone
			n, high := d.zoneCount[zone][0], d.zoneCount[zone][1]
			rows = append(rows, d.st.title.Render(fitTrim(fmt.Sprintf("%s — %s, %d high", sanitize.Hostname(zone), count(n, "finding"), high), w)))
		}
		sel := f.ID == d.selID
		if sel {
			selRow = len(rows)
		}
		rows = append(rows, d.row(f, sel, w, now))
	}
	return rows, selRow
}

func (d *driftPane) row(f drift.Finding, sel bool, w int, now time.Time) string {
	cursor := "  "
	if sel {
		cursor = "› "
	}
	sev := fmt.Sprintf("%-8s", "["+string(f.Severity)+"]")
	switch f.Severity {
	case drift.High:
		sev = d.st.danger.Render(sev)
	case drift.Medium:
		sev = d.st.warn.Render(sev)
	default:
		sev = d.st.dim.Render(sev)
	}
	age := ago(now, d.firstSeen[f.ID])
	revert := ""
	if len(f.Revert) == 0 {
		revert = " (no auto revert)"
	}
	meta := d.st.dim.Render(fmt.Sprintf(" · %s%s", age, revert))
	body := fmt.Sprintf("%s %s: %s", f.Kind, sanitize.Hostname(f.Key), sanitize.Line(f.Summary))
	line := cursor + sev + " " + fitTrim(body, max(10, w-12-widthOf(meta))) + meta
	if sel {
		return d.st.selected.Render(fitLine(line, w))
	}
	return line
}

// view renders stale warnings, a summary line and the visible rows.
func (d *driftPane) view(w, h int, now time.Time) []string {
	out := d.staleLines(w)
	if !d.have {
		if d.hint != "" {
			for _, l := range wrapText(safeLine(d.hint), w) {
				out = append(out, d.st.dim.Render(l))
			}
			return out
		}
		return append(out, d.st.dim.Render("Waiting for the first drift report…"))
	}
	summary := fmt.Sprintf("%s · as of %s (%s ago) · %d resources compared", count(len(d.state.Report.Findings), "finding"), clockTime(d.state.At), ago(now, d.state.At), d.state.Report.Compared)
	if d.filter != "" || d.zone != "" {
		summary += fmt.Sprintf(" · showing %d", len(d.items))
	}
	out = append(out, d.st.dim.Render(fitTrim(summary, w)))
	if len(d.items) == 0 {
		return append(out, d.st.ok.Render("No drift."))
	}
	rows, selRow := d.rows(w, now)
	room := max(1, h-len(out))
	top := clampInt(d.top, 0, max(0, len(rows)-room))
	if selRow >= 0 {
		if selRow < top {
			top = selRow
		}
		if selRow >= top+room {
			top = selRow - room + 1
		}
	}
	end := min(len(rows), top+room)
	return append(out, rows[top:end]...)
}

// count says "1 finding", "2 findings".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

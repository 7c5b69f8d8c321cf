package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

var trafficMetrics = []string{"requests", "status_4xx", "status_5xx", "bytes", "blocks", "challenges"}

func metricOf(p infra.Point, m string) float64 {
	switch m {
	case "requests":
		return p.Requests
	case "status_4xx":
		return p.Status4xx
	case "status_5xx":
		return p.Status5xx
	case "bytes":
		return p.Bytes
	case "blocks":
		return p.Blocks
	case "challenges":
		return p.Challenges
	}
	return 0
}

type trafficArgs struct {
	Zone    string `json:"zone"`
	Metric  string `json:"metric"`
	Minutes int    `json:"minutes"`
}

func minutesArg(def, hi int) *Schema {
	return integer(fmt.Sprintf("How many minutes back to look (default %d, at most %d).", def, hi), 1, float64(hi))
}

func getTrafficTool() *Tool {
	return &Tool{
		Name: "get_traffic",
		Description: "Show a zone's recent traffic per minute (requests, 4xx, 5xx, bytes, firewall blocks, challenges) with totals and the peak. " +
			"Use it to see whether a spike or error burst is happening and when it started.",
		Parameters: object([]string{"zone"}, map[string]*Schema{
			"zone":    zoneArg(),
			"metric":  enum("Only this metric (default: all).", trafficMetrics...),
			"minutes": minutesArg(60, 1440),
		}),
		Effect: EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[trafficArgs](raw)
			if err != nil {
				return Result{}, err
			}
			metrics := trafficMetrics
			if a.Metric != "" {
				metrics = []string{a.Metric}
			}
			return c.series(ctx, "get_traffic", a.Zone, metrics, a.Minutes)
		},
	}
}

func getFirewallEventsTool() *Tool {
	return &Tool{
		Name: "get_firewall_events",
		Description: "Show how many requests a zone's firewall blocked or challenged per minute, with totals and the peak. " +
			"Use it to judge whether a firewall or rate-limit rule is firing (or firing too much).",
		Parameters: object([]string{"zone"}, map[string]*Schema{"zone": zoneArg(), "minutes": minutesArg(60, 1440)}),
		Effect:     EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[trafficArgs](raw)
			if err != nil {
				return Result{}, err
			}
			return c.series(ctx, "get_firewall_events", a.Zone, []string{"blocks", "challenges", "requests"}, a.Minutes)
		},
	}
}

// series summarizes a zone's traffic and lists it in at most 30 time buckets.
func (c *Catalog) series(ctx context.Context, tool, zone string, metrics []string, minutes int) (Result, error) {
	if minutes == 0 {
		minutes = 60
	}
	to := c.deps.Clock().UTC().Truncate(time.Minute)
	s, err := c.deps.Infra.Traffic(ctx, zone, to.Add(-time.Duration(minutes)*time.Minute), to)
	if err != nil {
		return Result{}, fmt.Errorf("could not read the traffic of %s: %w", zone, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "zone %s, last %d minutes, %d points\n", c.cell(zone, 253), minutes, len(s.Points))
	for _, m := range metrics {
		total, peak, peakAt := 0.0, -1.0, time.Time{}
		for _, p := range s.Points {
			v := metricOf(p, m)
			total += v
			if v > peak {
				peak, peakAt = v, p.Time
			}
		}
		if len(s.Points) == 0 {
			continue
		}
		last := metricOf(s.Points[len(s.Points)-1], m)
		fmt.Fprintf(&b, "%s: total %s, mean %.1f/min, peak %s at %s, last %s\n", m, fmtNum(total), total/float64(len(s.Points)),
			fmtNum(peak), peakAt.UTC().Format("15:04"), fmtNum(last))
	}
	step := (len(s.Points) + 29) / 30
	if step < 1 {
		step = 1
	}
	t := table{header: append([]string{fmt.Sprintf("time (UTC, per %d min)", step)}, metrics...)}
	for i := 0; i < len(s.Points); i += step {
		row := []string{s.Points[i].Time.UTC().Format("15:04")}
		for _, m := range metrics {
			sum := 0.0
			for _, p := range s.Points[i:min(i+step, len(s.Points))] {
				sum += metricOf(p, m)
			}
			row = append(row, fmtNum(sum))
		}
		t.add(row...)
	}
	return c.tableResult(tool, b.String(), &t, "time buckets", fmt.Sprintf("call %s with a smaller minutes= or one metric=", tool)), nil
}

func fmtNum(f float64) string {
	if f == float64(int64(f)) {
		return thousands(int(f))
	}
	return fmt.Sprintf("%.1f", f)
}

type optionalZoneArgs struct {
	Zone    string   `json:"zone"`
	Minutes int      `json:"minutes"`
	IDs     []string `json:"finding_ids"`
}

func getDriftTool() *Tool {
	return &Tool{
		Name: "get_drift",
		Description: "List drift findings: where the live configuration differs from the approved baseline (id, zone, kind, severity, resource, summary, whether it can be reverted). " +
			"Use revert_drift with the ids to propose restoring the baseline.",
		Parameters: object(nil, map[string]*Schema{"zone": zoneArg()}),
		Effect:     EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[optionalZoneArgs](raw)
			if err != nil {
				return Result{}, err
			}
			if c.deps.Findings == nil {
				return Result{}, refusef("the drift engine is not running, so there are no drift findings; use the read tools to inspect the live configuration")
			}
			fs, err := c.deps.Findings.Drift(ctx, a.Zone)
			if err != nil {
				return Result{}, fmt.Errorf("could not read drift findings: %w", err)
			}
			t := table{header: []string{"id", "zone", "kind", "severity", "resource", "summary", "revertable", "details"}}
			for _, f := range fs {
				rev := "no"
				if f.Revert != nil {
					rev = "yes"
				}
				t.add(c.cell(f.ID, 40), c.cell(f.Zone, 253), c.cell(f.Kind, 40), c.cell(f.Severity, 20), c.cell(f.Resource, 120), c.cell(f.Summary, 200), rev, c.cell(f.Details, 200))
			}
			return c.tableResult("get_drift", "", &t, "findings", "call get_drift with zone= to narrow"), nil
		},
	}
}

func getAnomaliesTool() *Tool {
	return &Tool{
		Name:        "get_anomalies",
		Description: "List traffic anomalies the detectors found (id, zone, kind, metric, severity, score 0-1, start, summary). Use get_traffic to look at the numbers around them.",
		Parameters:  object(nil, map[string]*Schema{"zone": zoneArg()}),
		Effect:      EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[optionalZoneArgs](raw)
			if err != nil {
				return Result{}, err
			}
			if c.deps.Findings == nil {
				return Result{}, refusef("the anomaly engine is not running, so there are no anomaly findings; use get_traffic to look at the traffic")
			}
			fs, err := c.deps.Findings.Anomalies(ctx, a.Zone)
			if err != nil {
				return Result{}, fmt.Errorf("could not read anomaly findings: %w", err)
			}
			t := table{header: []string{"id", "zone", "kind", "metric", "severity", "score", "start (UTC)", "summary"}}
			for _, f := range fs {
				t.add(c.cell(f.ID, 40), c.cell(f.Zone, 253), c.cell(f.Kind, 40), c.cell(f.Metric, 40), c.cell(f.Severity, 20),
					fmt.Sprintf("%.2f", f.Score), f.Start.UTC().Format("01-02 15:04"), c.cell(f.Summary, 200))
			}
			return c.tableResult("get_anomalies", "", &t, "anomalies", "call get_anomalies with zone= to narrow"), nil
		},
	}
}

func getRecentChangesTool() *Tool {
	return &Tool{
		Name: "get_recent_changes",
		Description: "List recent configuration changes from the account audit log: when, who (actor), what action on which resource, and before -> after. " +
			"Use it to find out-of-band changes that may explain an incident.",
		Parameters: object(nil, map[string]*Schema{"zone": zoneArg(), "minutes": minutesArg(60, 10080)}),
		Effect:     EffectRead,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[optionalZoneArgs](raw)
			if err != nil {
				return Result{}, err
			}
			if a.Minutes == 0 {
				a.Minutes = 60
			}
			evs, err := c.deps.Infra.AuditEvents(ctx, c.deps.Clock().Add(-time.Duration(a.Minutes)*time.Minute))
			if err != nil {
				return Result{}, fmt.Errorf("could not read the audit log: %w", err)
			}
			t := table{header: []string{"time (UTC)", "actor", "action", "resource", "resource id", "zone", "before -> after"}}
			for i := len(evs) - 1; i >= 0; i-- { // newest first
				e := evs[i]
				if a.Zone != "" && !strings.EqualFold(e.ZoneName, a.Zone) {
					continue
				}
				change := compact(e.Before) + " -> " + compact(e.After)
				if len(e.Before) == 0 && len(e.After) == 0 {
					change = "-"
				}
				t.add(e.Time.UTC().Format("01-02 15:04:05"), c.cell(e.Actor, 80), c.cell(e.Action, 40), c.cell(e.ResourceType, 60),
					c.cell(e.ResourceID, 64), c.cell(e.ZoneName, 253), c.cell(change, 240))
			}
			return c.tableResult("get_recent_changes", fmt.Sprintf("audit log, last %d minutes, newest first\n", a.Minutes), &t, "changes",
				"call get_recent_changes with zone= or a smaller minutes= to narrow"), nil
		},
	}
}

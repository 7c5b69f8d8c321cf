package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/anomaly"
	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/journal"
	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/agent/policy"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/tools"
)

// journalAdapter lets the proposal service write to the journal.
type journalAdapter struct{ j *journal.Journal }

func (a journalAdapter) Append(ctx context.Context, r proposal.Record) error {
	_, err := a.j.Append(ctx, journal.Event{Type: r.Type, Actor: r.Actor, Subject: r.Subject, Data: r.Data})
	return err
}

// recorder lets a chat session write to the journal.
type recorder struct{ j *journal.Journal }

func (r recorder) Record(ctx context.Context, kind, subject string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", kind, err)
	}
	_, err = r.j.Append(ctx, journal.Event{Type: kind, Actor: "agent", Subject: subject, Data: b})
	return err
}

// policyAdapter fills the policy's input document: zone environments and
// the configured allow-lists are the app's to know.
type policyAdapter struct{ a *App }

func (p policyAdapter) Evaluate(ctx context.Context, req proposal.PolicyRequest) (proposal.PolicyVerdict, error) {
	zones := map[string]policy.ZoneInfo{}
	for _, c := range req.Changes {
		if c.Zone != "" {
			zones[c.Zone] = policy.ZoneInfo{Environment: p.a.Environment(c.Zone)}
		}
	}
	d, err := p.a.Policy.Evaluate(ctx, policy.Input{
		Phase: req.Phase, Effect: string(req.Effect), Tool: req.Tool, Changes: req.Changes,
		Zones: zones, Config: p.a.opts.Policy, Actor: req.Actor,
	})
	if err != nil {
		return proposal.PolicyVerdict{Decision: proposal.DecisionDeny, Reasons: []string{"policy evaluation failed: " + err.Error()}}, err
	}
	return proposal.PolicyVerdict{Decision: d.Decision, ApprovalsRequired: d.ApprovalsRequired, Reasons: d.Reasons}, nil
}

// toolRunner adapts the catalog to what a chat session needs.
type toolRunner struct{ a *App }

func (t toolRunner) Tools() []llm.Tool { return t.a.Tools.Tools(t.a.opts.ReadOnly) }

func (t toolRunner) IsRead(name string) bool {
	tool, ok := t.a.Tools.Lookup(name)
	return ok && tool.Effect == tools.EffectRead
}

func (t toolRunner) Execute(ctx context.Context, call llm.ToolCall) agent.ToolResult {
	res, err := t.a.Tools.Execute(ctx, call)
	if err != nil {
		return agent.ToolResult{IsError: true, Content: fmt.Sprintf("%s did not finish: %v", call.Name, err)}
	}
	if res.ProposalID != "" {
		if p, err := t.a.Proposals.Get(ctx, res.ProposalID); err == nil {
			t.a.publish(p)
		}
	}
	return agent.ToolResult{Content: res.Text, IsError: res.IsError, ProposalID: res.ProposalID}
}

// anomalyObserver feeds the watcher's traffic to the anomaly engine and
// publishes each zone's findings.
type anomalyObserver struct{ a *App }

// TopicAnomaly carries a zone's []anomaly.Finding (key: zone).
const TopicAnomaly = "anomaly"

func (o anomalyObserver) Observe(zone string, p infra.Point) {
	o.a.anomalyMu.Lock()
	changed := o.a.Anomalies.Observe(zone, p)
	var mine []anomaly.Finding
	if len(changed) > 0 {
		for _, f := range o.a.Anomalies.Findings() {
			if f.Zone == zone {
				mine = append(mine, f)
			}
		}
	}
	o.a.anomalyMu.Unlock()
	if len(changed) > 0 {
		o.a.Bus.Publish(busEvent(TopicAnomaly, zone, mine))
	}
}

// findingsAdapter serves get_drift and get_anomalies: from the watcher's
// latest results when it runs, else computed on demand.
type findingsAdapter struct{ a *App }

func (f findingsAdapter) Drift(ctx context.Context, zone string) ([]tools.DriftFinding, error) {
	b := f.a.opts.Baseline
	if b == nil {
		return nil, fmt.Errorf("no baseline is configured, so drift cannot be computed: capture one with `driftdeck baseline capture` and pass --baseline")
	}
	st := f.a.Watcher.Drift()
	rep, at := st.Report, st.At
	if at.IsZero() {
		scope := infra.Scope{}
		if zone != "" {
			scope.Zones = []string{zone}
		}
		snap, err := f.a.CF.Snapshot(ctx, scope)
		if err != nil {
			return nil, err
		}
		rep, at = drift.Compare(b, snap, scope.Zones), snap.TakenAt
	}
	var out []tools.DriftFinding
	for _, d := range rep.Findings {
		if zone != "" && d.Zone != zone {
			continue
		}
		df := tools.DriftFinding{ID: d.ID, Zone: d.Zone, Kind: string(d.Resource) + "_" + string(d.Kind), Severity: string(d.Severity),
			Resource: d.Key, Summary: d.Summary, DetectedAt: at}
		if len(d.Revert) == 1 {
			r := d.Revert[0]
			df.Revert = &r
		}
		if d.NoRevert != "" {
			df.Details = "no automatic revert: " + d.NoRevert
		}
		out = append(out, df)
	}
	return out, nil
}

func (f findingsAdapter) Anomalies(ctx context.Context, zone string) ([]tools.AnomalyFinding, error) {
	f.a.anomalyMu.Lock()
	list := f.a.Anomalies.Findings()
	f.a.anomalyMu.Unlock()
	var out []tools.AnomalyFinding
	for _, a := range list {
		if zone != "" && a.Zone != zone {
			continue
		}
		sev := "warning"
		if a.Score >= 0.9 {
			sev = "critical"
		}
		kind := "unusual"
		if a.PeakValue > a.Usual {
			kind = "spike"
		} else if a.PeakValue < a.Usual {
			kind = "drop"
		}
		end := time.Time{}
		if !a.Active {
			end = a.End
		}
		out = append(out, tools.AnomalyFinding{ID: anomalyID(a), Zone: a.Zone, Kind: kind, Metric: string(a.Metric), Severity: sev,
			Score: a.Score, Summary: a.Explanation, Start: a.Start, End: end})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}

func anomalyID(f anomaly.Finding) string {
	return "A-" + strings.ReplaceAll(f.Zone, ".", "-") + "-" + string(f.Metric) + "-" + f.Start.UTC().Format("0102T1504")
}

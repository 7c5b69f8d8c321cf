package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

type purgeArgs struct {
	Zone       string   `json:"zone"`
	Everything bool     `json:"everything"`
	URLs       []string `json:"urls"`
	Tags       []string `json:"tags"`
	Rationale  string   `json:"rationale"`
}

func purgeCacheTool() *Tool {
	return &Tool{
		Name: "purge_cache",
		Description: "Propose purging a zone's cache: everything=true, or up to 30 urls, or up to 30 cache tags (exactly one of them). " +
			"This does NOT purge anything: it creates a proposal card that a human must approve. Purging everything sends all traffic to the origin for a while.",
		Parameters: object([]string{"zone"}, map[string]*Schema{
			"zone":       zoneArg(),
			"everything": boolean("Purge every cached file of the zone."),
			"urls":       array("Full URLs to purge, e.g. https://www.example.com/app.js.", str("", 2048), 30),
			"tags":       array("Cache tags to purge.", nonEmpty("", 1024), 30),
			"rationale":  rationaleArg(),
		}),
		Effect: EffectWrite,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[purgeArgs](raw)
			if err != nil {
				return Result{}, err
			}
			n := 0
			for _, set := range []bool{a.Everything, len(a.URLs) > 0, len(a.Tags) > 0} {
				if set {
					n++
				}
			}
			if n != 1 {
				return Result{}, refusef("pass exactly one of everything=true, urls or tags")
			}
			z, err := c.zoneState(ctx, a.Zone)
			if err != nil {
				return Result{}, err
			}
			for i, u := range a.URLs {
				if err := urlInZone(u, z.Name); err != nil {
					return Result{}, refusef("argument `urls[%d]`: %v", i, err)
				}
			}
			req := infra.PurgeRequest{Everything: a.Everything, URLs: a.URLs, Tags: a.Tags}
			risk, target := proposal.RiskLow, fmt.Sprintf("%d url(s)", len(a.URLs))
			switch {
			case a.Everything:
				risk, target = proposal.RiskHigh, "everything"
			case len(a.Tags) > 0:
				target = fmt.Sprintf("%d tag(s)", len(a.Tags))
			}
			ch := infra.Change{Kind: infra.CachePurge, Zone: z.Name, Target: target, After: encode(req)}
			return c.propose(ctx, "purge_cache", EffectWrite, risk, fmt.Sprintf("Purge cache of %s: %s", z.Name, target), a.Rationale, []infra.Change{ch})
		},
	}
}

func urlInZone(raw, zone string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not a full http(s) URL", clip(raw, 80))
	}
	if h := strings.ToLower(u.Hostname()); h != zone && !strings.HasSuffix(h, "."+zone) {
		return fmt.Errorf("%s is not in zone %s", h, zone)
	}
	return nil
}

type deployArgs struct {
	ScriptName   string `json:"script_name"`
	Source       string `json:"source"`
	RoutePattern string `json:"route_pattern"`
	Zone         string `json:"zone"`
	Rationale    string `json:"rationale"`
}

func deployWorkerTool() *Tool {
	return &Tool{
		Name: "deploy_worker",
		Description: "Propose deploying a Worker script (an ES module) and optionally routing a URL pattern of a zone to it, e.g. route_pattern www.example.com/api/*. " +
			"This does NOT deploy anything: it creates a proposal card that a human must approve.",
		Parameters: object([]string{"script_name", "source"}, map[string]*Schema{
			"script_name":   pattern("The Worker's name: lower-case letters, digits, - and _.", 63, `^[a-z0-9][a-z0-9_-]*$`),
			"source":        nonEmpty("The complete script source (ES module).", 100000),
			"route_pattern": pattern("A route pattern in zone, e.g. www.example.com/api/*; needs zone.", 255, `^[A-Za-z0-9*.-]+(/.*)?$`),
			"zone":          zoneArg(),
			"rationale":     rationaleArg(),
		}),
		Effect: EffectWrite,
		run: func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
			a, err := argsOf[deployArgs](raw)
			if err != nil {
				return Result{}, err
			}
			if a.RoutePattern != "" && a.Zone == "" {
				return Result{}, refusef("argument `zone` is required with route_pattern")
			}
			if a.RoutePattern != "" {
				host := strings.TrimPrefix(strings.SplitN(a.RoutePattern, "/", 2)[0], "*.")
				host = strings.TrimPrefix(strings.ToLower(host), "*")
				if host != a.Zone && !strings.HasSuffix(host, "."+a.Zone) {
					return Result{}, refusef("argument `route_pattern`: %s is not in zone %s", a.RoutePattern, a.Zone)
				}
			}
			scope := infra.Scope{Resources: []infra.Resource{infra.ResZones, infra.ResWorkerScripts, infra.ResWorkerRoutes}}
			if a.Zone != "" {
				scope.Zones = []string{a.Zone}
			}
			snap, err := c.deps.Infra.Snapshot(ctx, scope)
			if err != nil {
				return Result{}, fmt.Errorf("could not read the workers from Cloudflare: %w", err)
			}
			if err := mustComplete(snap.WorkersFetch, "worker scripts", "the account"); err != nil {
				return Result{}, err
			}
			var before *infra.WorkerDeployment
			for _, s := range snap.WorkerScripts {
				if s.Name == a.ScriptName {
					before = &infra.WorkerDeployment{ScriptName: s.Name, Etag: s.Etag}
				}
			}
			if a.Zone != "" {
				i := slices.IndexFunc(snap.Zones, func(z infra.Zone) bool { return strings.EqualFold(z.Name, a.Zone) })
				if i < 0 {
					return Result{}, refusef("zone %q is not visible to driftdeck; call list_zones for the zone names", a.Zone)
				}
				z := snap.Zones[i]
				if err := mustComplete(z.RoutesFetch, "worker routes", z.Name); err != nil {
					return Result{}, err
				}
				for _, r := range z.Routes {
					if r.Pattern != a.RoutePattern || a.RoutePattern == "" {
						continue
					}
					if r.Script != a.ScriptName {
						return Result{}, refusef("route %s already sends traffic to worker %q; propose changing that route first", r.Pattern, r.Script)
					}
					if before == nil {
						before = &infra.WorkerDeployment{ScriptName: a.ScriptName}
					}
					before.RoutePattern = r.Pattern
				}
			}
			after := infra.WorkerDeployment{ScriptName: a.ScriptName, Source: a.Source, RoutePattern: a.RoutePattern}
			ch := infra.Change{Kind: infra.WorkerDeploy, Zone: a.Zone, Target: a.ScriptName, After: encode(after)}
			if before != nil {
				ch.Before = encode(*before)
			}
			title := fmt.Sprintf("Deploy worker %s (%d bytes)", a.ScriptName, len(a.Source))
			if a.RoutePattern != "" {
				title += " on " + a.RoutePattern
			}
			return c.propose(ctx, "deploy_worker", EffectWrite, proposal.RiskHigh, title, a.Rationale, []infra.Change{ch})
		},
	}
}

type revertArgs struct {
	Zone       string   `json:"zone"`
	FindingIDs []string `json:"finding_ids"`
	Rationale  string   `json:"rationale"`
}

func revertDriftTool() *Tool {
	return &Tool{
		Name: "revert_drift",
		Description: "Propose restoring the baseline for drift findings of a zone (all revertable ones, or the finding_ids from get_drift). " +
			"This does NOT change anything: it creates one proposal card with every revert, which a human must approve. A revert may delete what was added out of band.",
		Parameters: object([]string{"zone"}, map[string]*Schema{
			"zone":        zoneArg(),
			"finding_ids": array("Only these findings (ids from get_drift).", pattern("", 64, `^[A-Za-z0-9_.:-]+$`), 50),
			"rationale":   rationaleArg(),
		}),
		// Reverts that delete make the card destructive: the proposal derives
		// that from the change kinds, in code.
		Effect: EffectWrite,
		run:    runRevertDrift,
	}
}

func runRevertDrift(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
	a, err := argsOf[revertArgs](raw)
	if err != nil {
		return Result{}, err
	}
	if c.deps.Findings == nil {
		return Result{}, refusef("the drift engine is not running, so there is no drift to revert")
	}
	fs, err := c.deps.Findings.Drift(ctx, a.Zone)
	if err != nil {
		return Result{}, fmt.Errorf("could not read drift findings: %w", err)
	}
	byID := map[string]DriftFinding{}
	var ids []string
	for _, f := range fs {
		if strings.EqualFold(f.Zone, a.Zone) {
			byID[f.ID] = f
			ids = append(ids, f.ID)
		}
	}
	want := a.FindingIDs
	if len(want) == 0 {
		want = ids
	}
	var changes []infra.Change
	var changeIDs, lines []string
	var notRevertable []string
	for _, id := range want {
		f, ok := byID[id]
		if !ok {
			return Result{}, refusef("zone %s has no drift finding %q; its findings are: %s", a.Zone, id, strings.Join(ids, ", "))
		}
		if f.Revert == nil {
			notRevertable = append(notRevertable, id)
			continue
		}
		changes = append(changes, *f.Revert)
		changeIDs = append(changeIDs, f.ID)
		lines = append(lines, fmt.Sprintf("%s: %s", f.ID, clip(c.sanitize(f.Summary), 160)))
	}
	if len(changes) == 0 {
		return Result{}, refusef("none of the findings can be reverted automatically (%s); describe the manual fix to the engineer", strings.Join(notRevertable, ", "))
	}
	snap, err := c.deps.Infra.Snapshot(ctx, proposal.ScopeFor(changes))
	if err != nil {
		return Result{}, fmt.Errorf("could not read the live state of %s: %w", a.Zone, err)
	}
	for i, ch := range changes {
		state, detail, err := proposal.Classify(snap, ch)
		if err != nil {
			return Result{}, refusef("cannot check finding %s against the live state: %v", changeIDs[i], err)
		}
		if state != proposal.LiveBefore {
			return Result{}, refusef("finding %s is out of date (%s); call get_drift again", changeIDs[i], detail)
		}
	}
	risk := proposal.RiskMedium
	if proposal.EffectOfChanges(changes) == proposal.EffectDestructive {
		risk = proposal.RiskHigh
	}
	rationale := a.Rationale
	if rationale == "" {
		rationale = "restore the baseline"
	}
	rationale += "\nFindings reverted:\n" + strings.Join(lines, "\n")
	if len(notRevertable) > 0 {
		rationale += "\nNot revertable automatically: " + strings.Join(notRevertable, ", ")
	}
	title := fmt.Sprintf("Revert drift on %s: %d finding(s)", a.Zone, len(changes))
	return c.propose(ctx, "revert_drift", EffectWrite, risk, title, rationale, changes)
}

package proposal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func classifyRule(z *infra.Zone, c infra.Change) (Liveness, string, error) {
	before, err := decodeSide[infra.Rule](c.Before)
	if err != nil {
		return LiveUnknown, "", err
	}
	after, err := decodeSide[infra.Rule](c.After)
	if err != nil {
		return LiveUnknown, "", err
	}
	if c.Kind == infra.FirewallCreate || c.Kind == infra.RateLimitAdd {
		if after == nil {
			return LiveUnknown, "", fmt.Errorf("%s has no rule to create", c.Kind)
		}
		list := z.FirewallRules
		if c.Kind == infra.RateLimitAdd {
			list = z.RateLimitRules
		}
		for _, r := range list {
			if len(DiffRule(*after, r)) == 0 {
				return LiveAfter, fmt.Sprintf("an identical rule %s already exists", r.ID), nil
			}
		}
		return LiveBefore, "", nil
	}
	var live *infra.Rule
	for _, list := range [][]infra.Rule{z.FirewallRules, z.RateLimitRules} {
		for i := range list {
			if list[i].ID == c.Target {
				live = &list[i]
			}
		}
	}
	if live == nil {
		if c.Kind == infra.FirewallDelete {
			return LiveAfter, fmt.Sprintf("rule %s no longer exists", c.Target), nil
		}
		return LiveUnknown, fmt.Sprintf("rule %s no longer exists", c.Target), nil
	}
	if before != nil && len(DiffRule(*before, *live)) == 0 {
		return LiveBefore, "", nil
	}
	if after != nil && len(DiffRule(*after, *live)) == 0 {
		return LiveAfter, "", nil
	}
	if before == nil {
		return LiveUnknown, fmt.Sprintf("rule %s exists but the change recorded no before state", c.Target), nil
	}
	return LiveUnknown, fmt.Sprintf("rule %s %s", c.Target, strings.Join(DiffRule(*before, *live), ", ")), nil
}

// DiffRule lists the fields of live that differ from want: description,
// expression (whitespace-insensitive), action, enabled and the rate limit.
func DiffRule(want, live infra.Rule) []string {
	var d []string
	add := func(field, now, was string) { d = append(d, fmt.Sprintf("%s is now %s, was %s", field, now, was)) }
	if want.Description != live.Description {
		add("description", strconv.Quote(live.Description), strconv.Quote(want.Description))
	}
	if strings.Join(strings.Fields(want.Expression), " ") != strings.Join(strings.Fields(live.Expression), " ") {
		add("expression", strconv.Quote(live.Expression), strconv.Quote(want.Expression))
	}
	if want.Action != live.Action {
		add("action", live.Action, want.Action)
	}
	if want.Enabled != live.Enabled {
		add("enabled", strconv.FormatBool(live.Enabled), strconv.FormatBool(want.Enabled))
	}
	if rl := rateLimitText(live.RateLimit); rateLimitText(want.RateLimit) != rl {
		add("rate limit", rl, rateLimitText(want.RateLimit))
	}
	return d
}

func rateLimitText(r *infra.RateLimit) string {
	if r == nil {
		return "none"
	}
	ch := slices.Clone(r.Characteristics)
	slices.Sort(ch)
	return fmt.Sprintf("%d requests/%ds, timeout %ds, by %s", r.RequestsPerPeriod, r.Period, r.MitigationTimeout, strings.Join(ch, "+"))
}

func classifyWorker(snap *infra.Snapshot, c infra.Change) (Liveness, string, error) {
	if snap.WorkersFetch == nil || !snap.WorkersFetch.Complete {
		return LiveUnknown, "", fmt.Errorf("cannot verify worker %s: the worker scripts were not read completely", c.Target)
	}
	before, err := decodeSide[infra.WorkerDeployment](c.Before)
	if err != nil {
		return LiveUnknown, "", err
	}
	after, err := decodeSide[infra.WorkerDeployment](c.After)
	if err != nil {
		return LiveUnknown, "", err
	}
	var live *infra.WorkerScript
	for i := range snap.WorkerScripts {
		if snap.WorkerScripts[i].Name == c.Target {
			live = &snap.WorkerScripts[i]
		}
	}
	beforeEtag := ""
	if before != nil {
		beforeEtag = before.Etag
	}
	switch {
	case live == nil && beforeEtag == "":
		return LiveBefore, "", nil
	case live == nil:
		return LiveUnknown, fmt.Sprintf("worker %s no longer exists", c.Target), nil
	case live.Etag == beforeEtag && beforeEtag != "":
		return LiveBefore, "", nil
	}
	// The script exists in a version the change did not start from: it was
	// deployed (by this change, if its route is in place too) or by someone else.
	if after != nil && after.RoutePattern != "" && !routeExists(snap, c.Zone, after.RoutePattern, c.Target) {
		return LiveUnknown, fmt.Sprintf("worker %s is at version %s, was %s, and route %s is missing", c.Target, live.Etag, orNone(beforeEtag), after.RoutePattern), nil
	}
	if beforeEtag == "" {
		return LiveAfter, fmt.Sprintf("worker %s now exists (version %s)", c.Target, live.Etag), nil
	}
	return LiveAfter, fmt.Sprintf("worker %s is at version %s, was %s", c.Target, live.Etag, beforeEtag), nil
}

func routeExists(snap *infra.Snapshot, zone, pattern, script string) bool {
	for _, z := range snap.Zones {
		if zone != "" && !strings.EqualFold(z.Name, zone) {
			continue
		}
		for _, r := range z.Routes {
			if r.Pattern == pattern && r.Script == script {
				return true
			}
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

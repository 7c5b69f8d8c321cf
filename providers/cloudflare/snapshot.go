package cloudflare

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Snapshot reads the live configuration the scope asks for. Zones are read
// concurrently (Config.Concurrency at a time). A resource that could not be
// read completely is marked Complete:false with the reason, never left to
// look like deleted resources; the returned error is reserved for a
// cancelled context and an invalid scope.
func (c *Client) Snapshot(ctx context.Context, scope infra.Scope) (*infra.Snapshot, error) {
	want, err := wantedResources(scope.Resources)
	if err != nil {
		return nil, err
	}
	var calls atomic.Int64
	ctx = withCallCounter(ctx, &calls)
	snap := &infra.Snapshot{TakenAt: c.cfg.Now().UTC()}

	zoneLevel := want[infra.ResZones] || want[infra.ResDNSRecords] || want[infra.ResSettings] ||
		want[infra.ResFirewallRules] || want[infra.ResRateLimitRules] || want[infra.ResWorkerRoutes]
	var targets []apiZone
	if zoneLevel {
		targets, snap.ZonesFetch = c.snapshotZones(ctx, scope.Zones, want[infra.ResZones])
	} else {
		// Not read, so not complete: an empty zone list must not look like deleted zones.
		snap.ZonesFetch = infra.Fetch{Error: "the zone list was not part of this snapshot's scope"}
	}

	var wg sync.WaitGroup
	if want[infra.ResWorkerScripts] {
		wg.Go(func() {
			scripts, fetch := c.readScripts(ctx)
			snap.WorkerScripts, snap.WorkersFetch = scripts, &fetch
		})
	}
	snap.Zones = make([]infra.Zone, len(targets))
	slots := make(chan struct{}, c.cfg.Concurrency)
	for i, z := range targets {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			snap.Zones[i] = c.readZone(ctx, z, want)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	snap.AccountID = c.knownAccountID()
	snap.APICalls = int(calls.Load())
	return snap, nil
}

func wantedResources(list []infra.Resource) (map[infra.Resource]bool, error) {
	if len(list) == 0 {
		list = infra.AllResources
	}
	want := map[infra.Resource]bool{}
	for _, r := range list {
		if !slices.Contains(infra.AllResources, r) {
			return nil, fmt.Errorf("snapshot: unknown resource kind %q", r)
		}
		want[r] = true
	}
	return want, nil
}

// snapshotZones decides which zones to read. When the scope names zones
// whose ids are cached and the zone list itself is not wanted, it costs no
// request (the re-read of touched resources after a change).
func (c *Client) snapshotZones(ctx context.Context, names []string, listWanted bool) ([]apiZone, infra.Fetch) {
	if len(names) > 0 && !listWanted {
		var cached []apiZone
		for _, n := range names {
			if id, ok := c.cachedZoneID(n); ok {
				cached = append(cached, apiZone{ID: id, Name: n})
			}
		}
		if len(cached) == len(names) {
			return cached, infra.Fetch{Complete: true}
		}
	}
	filter := ""
	if len(names) == 1 {
		filter = names[0]
	}
	all, err := c.listZones(ctx, filter)
	if err != nil {
		return nil, infra.Fetch{Error: err.Error()}
	}
	if len(names) == 0 {
		return all, infra.Fetch{Complete: true}
	}
	var picked []apiZone
	var missing []string
	for _, n := range names {
		i := slices.IndexFunc(all, func(z apiZone) bool { return z.Name == n })
		if i < 0 {
			missing = append(missing, n)
			continue
		}
		picked = append(picked, all[i])
	}
	if len(missing) > 0 {
		return picked, infra.Fetch{Error: fmt.Sprintf("zones %v do not exist or this token cannot see them", missing)}
	}
	return picked, infra.Fetch{Complete: true}
}

// readZone reads the wanted resources of one zone, one after the other.
func (c *Client) readZone(ctx context.Context, z apiZone, want map[infra.Resource]bool) infra.Zone {
	out := infra.Zone{ID: z.ID, Name: z.Name, Status: z.Status}
	if want[infra.ResDNSRecords] {
		recs, err := c.listRecords(ctx, z)
		out.Records, out.RecordsFetch = recs, fetchResult(err)
	}
	if want[infra.ResSettings] {
		settings, err := c.readSettings(ctx, z)
		out.Settings, out.SettingsFetch = settings, fetchResult(err)
	}
	if want[infra.ResFirewallRules] {
		rs, err := c.readPhase(ctx, z, phaseFirewall)
		out.FirewallRulesetID, out.FirewallRules, out.FirewallFetch = rs.ID, rs.Rules, fetchResult(err)
	}
	if want[infra.ResRateLimitRules] {
		rs, err := c.readPhase(ctx, z, phaseRateLimit)
		out.RateLimitRulesetID, out.RateLimitRules, out.RateLimitFetch = rs.ID, rs.Rules, fetchResult(err)
	}
	if want[infra.ResWorkerRoutes] {
		routes, err := c.listRoutes(ctx, z)
		out.Routes, out.RoutesFetch = routes, fetchResult(err)
	}
	return out
}

// fetchResult turns a read's error into a Fetch. Callers drop the partial
// data on error, so an incomplete list is never mistaken for the full set.
func fetchResult(err error) *infra.Fetch {
	if err != nil {
		return &infra.Fetch{Error: err.Error()}
	}
	return &infra.Fetch{Complete: true}
}

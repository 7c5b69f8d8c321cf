package watch

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/infra"
)

// auditOverlap re-reads a little of the past on every tail, because audit
// entries can land with a timestamp slightly before the newest one seen.
const auditOverlap = time.Minute

// TailAudit reads audit-log entries since the last one seen and re-reads
// only the resources they touched.
func (w *Watcher) TailAudit(ctx context.Context) error {
	w.mu.Lock()
	since := w.cursor
	w.mu.Unlock()
	if since.IsZero() {
		since = w.cfg.Now().Add(-5 * time.Minute)
	}
	events, err := w.src.AuditEvents(ctx, since.Add(-auditOverlap))
	if err != nil {
		w.mark("audit", err)
		return fmt.Errorf("audit log: %w", err)
	}
	fresh := w.newEvents(events)
	w.mark("audit", nil)
	if len(fresh) == 0 {
		return nil
	}
	w.bus.Publish(bus.Event{Topic: TopicAudit, MustDeliver: true, Payload: fresh})

	scope := touched(fresh, w.cfg.Scope)
	if len(scope.Zones) == 0 {
		return nil
	}
	part, err := w.src.Snapshot(ctx, scope)
	if err == nil {
		if problem := incomplete(part); problem != "" {
			err = fmt.Errorf("incomplete re-read: %s", problem)
		}
	}
	if err != nil {
		// Keep what we had; the next tick or full snapshot tries again.
		st := w.mark("snapshot", err)
		w.publishStale(st)
		w.mu.Lock()
		for _, e := range fresh {
			delete(w.seen, e.ID) // so the next tail re-reads them
		}
		w.mu.Unlock()
		return fmt.Errorf("re-read touched resources: %w", err)
	}
	w.mu.Lock()
	if w.snap != nil {
		w.snap = merge(w.snap, part)
	}
	snap := w.snap
	w.mu.Unlock()
	st := w.mark("snapshot", nil)
	w.bus.Publish(bus.Event{Topic: TopicSnapshot, Payload: SnapshotState{Snapshot: snap, Status: st}})
	w.recomputeDrift("audit:"+fresh[len(fresh)-1].ID, part.TakenAt, false)
	return nil
}

// newEvents drops events already handled and advances the cursor.
func (w *Watcher) newEvents(events []infra.AuditEvent) []infra.AuditEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var fresh []infra.AuditEvent
	for _, e := range events {
		if _, ok := w.seen[e.ID]; ok {
			continue
		}
		w.seen[e.ID] = e.Time
		fresh = append(fresh, e)
		if e.Time.After(w.cursor) {
			w.cursor = e.Time
		}
	}
	// Forget ids older than the overlap window: they cannot come back.
	for id, t := range w.seen {
		if t.Before(w.cursor.Add(-2 * auditOverlap)) {
			delete(w.seen, id)
		}
	}
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].Time.Before(fresh[j].Time) })
	return fresh
}

// touched maps audit entries to the narrowest scope that re-reads them.
func touched(events []infra.AuditEvent, within infra.Scope) infra.Scope {
	zones := map[string]bool{}
	res := map[infra.Resource]bool{}
	for _, e := range events {
		if e.ZoneName == "" {
			if strings.HasPrefix(e.ResourceType, "workers.script") {
				res[infra.ResWorkerScripts] = true
			}
			continue
		}
		if len(within.Zones) > 0 && !contains(within.Zones, e.ZoneName) {
			continue
		}
		zones[e.ZoneName] = true
		switch t := e.ResourceType; {
		case strings.HasPrefix(t, "dns"):
			res[infra.ResDNSRecords] = true
		case strings.Contains(t, "setting"):
			res[infra.ResSettings] = true
		case strings.HasPrefix(t, "ruleset") || strings.Contains(t, "firewall") || strings.Contains(t, "rate"):
			res[infra.ResFirewallRules], res[infra.ResRateLimitRules] = true, true
		case strings.Contains(t, "route"):
			res[infra.ResWorkerRoutes] = true
		case strings.HasPrefix(t, "cache"):
			// a purge changes no configuration
		default:
			for _, r := range infra.AllResources {
				if r != infra.ResZones && r != infra.ResWorkerScripts {
					res[r] = true
				}
			}
		}
	}
	var s infra.Scope
	for z := range zones {
		s.Zones = append(s.Zones, z)
	}
	sort.Strings(s.Zones)
	for _, r := range infra.AllResources {
		if res[r] {
			s.Resources = append(s.Resources, r)
		}
	}
	if len(s.Resources) == 0 {
		s.Zones = nil
	}
	return s
}

// merge patches base with the resources part re-read (non-nil fetches).
func merge(base, part *infra.Snapshot) *infra.Snapshot {
	out := *base
	out.Zones = append([]infra.Zone(nil), base.Zones...)
	for _, pz := range part.Zones {
		i := -1
		for j := range out.Zones {
			if out.Zones[j].Name == pz.Name {
				i = j
			}
		}
		if i < 0 {
			out.Zones = append(out.Zones, pz)
			continue
		}
		z := &out.Zones[i]
		if pz.RecordsFetch != nil {
			z.Records, z.RecordsFetch = pz.Records, pz.RecordsFetch
		}
		if pz.SettingsFetch != nil {
			z.Settings, z.SettingsFetch = pz.Settings, pz.SettingsFetch
		}
		if pz.FirewallFetch != nil {
			z.FirewallRules, z.FirewallFetch, z.FirewallRulesetID = pz.FirewallRules, pz.FirewallFetch, pz.FirewallRulesetID
		}
		if pz.RateLimitFetch != nil {
			z.RateLimitRules, z.RateLimitFetch, z.RateLimitRulesetID = pz.RateLimitRules, pz.RateLimitFetch, pz.RateLimitRulesetID
		}
		if pz.RoutesFetch != nil {
			z.Routes, z.RoutesFetch = pz.Routes, pz.RoutesFetch
		}
	}
	if part.WorkersFetch != nil {
		out.WorkerScripts, out.WorkersFetch = part.WorkerScripts, part.WorkersFetch
	}
	out.TakenAt = part.TakenAt
	return &out
}

// recentWindow is how much traffic a TrafficState carries for sparklines.
const recentWindow = 180

// zonesTraffic is implemented by sources that read several zones' traffic
// in one request (the Cloudflare provider's zoneTag_in query).
type zonesTraffic interface {
	TrafficZones(ctx context.Context, zones []string, from, to time.Time) (map[string]infra.Series, error)
}

// PollTraffic reads each zone's new minutes and feeds them to the observer:
// one query for all zones when the source can, else one per zone.
func (w *Watcher) PollTraffic(ctx context.Context) error {
	snap := w.Snapshot()
	var zones []string
	switch {
	case len(w.cfg.Scope.Zones) > 0:
		zones = w.cfg.Scope.Zones
	case snap != nil:
		for _, z := range snap.Zones {
			zones = append(zones, z.Name)
		}
	default:
		return nil // zones unknown until the first snapshot
	}
	now := w.cfg.Now().Truncate(time.Minute)
	oldest := now.Add(-w.cfg.TrafficHistory)
	fromOf := func(zone string) time.Time {
		w.mu.Lock()
		defer w.mu.Unlock()
		from := w.lastMin[zone].Add(time.Minute)
		if from.Before(oldest) {
			from = oldest
		}
		return from
	}
	if multi, ok := w.src.(zonesTraffic); ok && len(zones) > 1 {
		from := now
		for _, z := range zones {
			if f := fromOf(z); f.Before(from) {
				from = f
			}
		}
		if !from.Before(now) {
			return nil
		}
		all, err := multi.TrafficZones(ctx, zones, from, now)
		for _, z := range zones {
			if err != nil {
				w.trafficFailed(z, err)
			} else {
				w.trafficArrived(z, all[z])
			}
		}
		if err != nil {
			return fmt.Errorf("traffic: %w", err)
		}
		return nil
	}
	var firstErr error
	for _, zone := range zones {
		from := fromOf(zone)
		if !from.Before(now) {
			continue
		}
		series, err := w.src.Traffic(ctx, zone, from, now)
		if err != nil {
			w.trafficFailed(zone, err)
			if firstErr == nil {
				firstErr = fmt.Errorf("traffic of %s: %w", zone, err)
			}
			continue
		}
		w.trafficArrived(zone, series)
	}
	return firstErr
}

func (w *Watcher) trafficFailed(zone string, err error) {
	st := w.mark("traffic:"+zone, err)
	w.mu.Lock()
	pts := append([]infra.Point(nil), w.recent[zone]...)
	w.mu.Unlock()
	w.bus.Publish(bus.Event{Topic: TopicTraffic, Key: zone, Payload: TrafficState{Zone: zone, Points: pts, Status: st}})
}

// trafficArrived feeds the minutes not seen yet to the observer and
// publishes the zone's recent window.
func (w *Watcher) trafficArrived(zone string, series infra.Series) {
	w.mu.Lock()
	for _, p := range series.Points {
		if !p.Time.After(w.lastMin[zone]) {
			continue
		}
		if w.obs != nil {
			w.obs.Observe(zone, p)
		}
		w.lastMin[zone] = p.Time
		w.recent[zone] = append(w.recent[zone], p)
	}
	if n := len(w.recent[zone]); n > recentWindow {
		w.recent[zone] = append([]infra.Point(nil), w.recent[zone][n-recentWindow:]...)
	}
	pts := append([]infra.Point(nil), w.recent[zone]...)
	w.mu.Unlock()
	st := w.mark("traffic:"+zone, nil)
	w.bus.Publish(bus.Event{Topic: TopicTraffic, Key: zone, Payload: TrafficState{Zone: zone, Points: pts, Status: st}})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// incomplete describes what a snapshot failed to read ("" when complete).
func incomplete(s *infra.Snapshot) string {
	var out []string
	if s.ZonesFetch.Error != "" {
		out = append(out, "zones: "+s.ZonesFetch.Error)
	}
	if s.WorkersFetch != nil && !s.WorkersFetch.Complete {
		out = append(out, "worker scripts: "+s.WorkersFetch.Error)
	}
	for _, z := range s.Zones {
		for _, f := range []struct {
			what string
			f    *infra.Fetch
		}{{"DNS records", z.RecordsFetch}, {"settings", z.SettingsFetch}, {"firewall rules", z.FirewallFetch}, {"rate-limit rules", z.RateLimitFetch}, {"worker routes", z.RoutesFetch}} {
			if f.f != nil && !f.f.Complete {
				out = append(out, fmt.Sprintf("%s of %s: %s", f.what, z.Name, f.f.Error))
			}
		}
	}
	return strings.Join(out, "; ")
}

// keepLastGood takes a snapshot with failed fetches and fills each failed
// resource with its last complete read, so a 429 or a 5xx shows as stale
// data (the feed says so) rather than as missing resources.
func keepLastGood(prev, cur *infra.Snapshot) *infra.Snapshot {
	if !cur.ZonesFetch.Complete && len(cur.Zones) == 0 {
		out := *prev
		out.TakenAt = cur.TakenAt
		return &out
	}
	out := *cur
	out.Zones = append([]infra.Zone(nil), cur.Zones...)
	for i := range out.Zones {
		z := &out.Zones[i]
		var p *infra.Zone
		for j := range prev.Zones {
			if prev.Zones[j].Name == z.Name {
				p = &prev.Zones[j]
			}
		}
		if p == nil {
			continue
		}
		if failed(z.RecordsFetch) && complete(p.RecordsFetch) {
			z.Records, z.RecordsFetch = p.Records, p.RecordsFetch
		}
		if failed(z.SettingsFetch) && complete(p.SettingsFetch) {
			z.Settings, z.SettingsFetch = p.Settings, p.SettingsFetch
		}
		if failed(z.FirewallFetch) && complete(p.FirewallFetch) {
			z.FirewallRules, z.FirewallFetch, z.FirewallRulesetID = p.FirewallRules, p.FirewallFetch, p.FirewallRulesetID
		}
		if failed(z.RateLimitFetch) && complete(p.RateLimitFetch) {
			z.RateLimitRules, z.RateLimitFetch, z.RateLimitRulesetID = p.RateLimitRules, p.RateLimitFetch, p.RateLimitRulesetID
		}
		if failed(z.RoutesFetch) && complete(p.RoutesFetch) {
			z.Routes, z.RoutesFetch = p.Routes, p.RoutesFetch
		}
	}
	if failed(out.WorkersFetch) && complete(prev.WorkersFetch) {
		out.WorkerScripts, out.WorkersFetch = prev.WorkerScripts, prev.WorkersFetch
	}
	return &out
}

func failed(f *infra.Fetch) bool   { return f != nil && !f.Complete }
func complete(f *infra.Fetch) bool { return f != nil && f.Complete }

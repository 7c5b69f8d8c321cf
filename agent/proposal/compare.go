package proposal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Liveness is how one change relates to the live state.
type Liveness int

const (
	// LiveUnknown: the live state matches neither side (or cannot be observed).
	LiveUnknown Liveness = iota
	// LiveBefore: the live state is still what the change expects before it.
	LiveBefore
	// LiveAfter: the live state is already what the change produces.
	LiveAfter
)

// ScopeFor is the narrowest snapshot scope that shows every change's target.
func ScopeFor(changes []infra.Change) infra.Scope {
	var sc infra.Scope
	addRes := func(rs ...infra.Resource) {
		for _, r := range rs {
			if !slices.Contains(sc.Resources, r) {
				sc.Resources = append(sc.Resources, r)
			}
		}
	}
	addRes(infra.ResZones)
	for _, c := range changes {
		if c.Zone != "" && !slices.Contains(sc.Zones, c.Zone) {
			sc.Zones = append(sc.Zones, c.Zone)
		}
		switch c.Kind {
		case infra.DNSCreate, infra.DNSUpdate, infra.DNSDelete:
			addRes(infra.ResDNSRecords)
		case infra.SettingEdit:
			addRes(infra.ResSettings)
		case infra.FirewallCreate, infra.FirewallUpdate, infra.FirewallEnable, infra.FirewallDisable, infra.FirewallDelete:
			addRes(infra.ResFirewallRules, infra.ResRateLimitRules)
		case infra.RateLimitAdd:
			addRes(infra.ResRateLimitRules)
		case infra.WorkerDeploy:
			addRes(infra.ResWorkerScripts, infra.ResWorkerRoutes)
		}
	}
	return sc
}

// Classify says whether the live state of one change's target is still
// `before`, already `after`, or neither (with a one-sentence detail). It
// returns an error when the snapshot cannot tell (zone missing, fetch incomplete).
func Classify(snap *infra.Snapshot, c infra.Change) (Liveness, string, error) {
	if c.Kind == infra.WorkerDeploy {
		return classifyWorker(snap, c)
	}
	z := findZone(snap, c.Zone)
	if z == nil {
		if !snap.ZonesFetch.Complete {
			return LiveUnknown, "", fmt.Errorf("cannot verify %s: the zone list was not read completely", c.Zone)
		}
		return LiveUnknown, "", fmt.Errorf("cannot verify: zone %s is not visible any more", c.Zone)
	}
	switch c.Kind {
	case infra.DNSCreate, infra.DNSUpdate, infra.DNSDelete:
		if err := complete(z.RecordsFetch, "DNS records", z.Name); err != nil {
			return LiveUnknown, "", err
		}
		return classifyDNS(z, c)
	case infra.SettingEdit:
		if err := complete(z.SettingsFetch, "settings", z.Name); err != nil {
			return LiveUnknown, "", err
		}
		return classifySetting(z, c)
	case infra.FirewallCreate, infra.FirewallUpdate, infra.FirewallEnable, infra.FirewallDisable, infra.FirewallDelete, infra.RateLimitAdd:
		if err := complete(z.FirewallFetch, "firewall rules", z.Name); err != nil && c.Kind != infra.RateLimitAdd {
			return LiveUnknown, "", err
		}
		if err := complete(z.RateLimitFetch, "rate-limit rules", z.Name); err != nil {
			return LiveUnknown, "", err
		}
		return classifyRule(z, c)
	case infra.CachePurge:
		// A purge has no state to check before and leaves none to observe after.
		return LiveBefore, "a cache purge leaves no observable state", nil
	}
	return LiveUnknown, "", fmt.Errorf("cannot verify change kind %q", c.Kind)
}

func findZone(snap *infra.Snapshot, name string) *infra.Zone {
	for i := range snap.Zones {
		if strings.EqualFold(snap.Zones[i].Name, name) {
			return &snap.Zones[i]
		}
	}
	return nil
}

func complete(f *infra.Fetch, what, zone string) error {
	if f == nil {
		return fmt.Errorf("cannot verify: the %s of %s were not read", what, zone)
	}
	if !f.Complete {
		return fmt.Errorf("cannot verify: the %s of %s were not read completely (%s)", what, zone, f.Error)
	}
	return nil
}

func decodeSide[T any](raw json.RawMessage) (*T, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode change payload: %w", err)
	}
	return &v, nil
}

func classifyDNS(z *infra.Zone, c infra.Change) (Liveness, string, error) {
	before, err := decodeSide[infra.DNSRecord](c.Before)
	if err != nil {
		return LiveUnknown, "", err
	}
	after, err := decodeSide[infra.DNSRecord](c.After)
	if err != nil {
		return LiveUnknown, "", err
	}
	if c.Kind == infra.DNSCreate {
		if after == nil {
			return LiveUnknown, "", fmt.Errorf("dns.create of %s has no record to create", c.Target)
		}
		for _, r := range z.Records {
			if len(DiffDNS(*after, r)) == 0 {
				return LiveAfter, fmt.Sprintf("record %s (%s) %s already exists", r.Name, r.Type, r.Content), nil
			}
		}
		return LiveBefore, "", nil
	}
	var live *infra.DNSRecord
	for i := range z.Records {
		if z.Records[i].ID == c.Target {
			live = &z.Records[i]
		}
	}
	if live == nil {
		if c.Kind == infra.DNSDelete {
			return LiveAfter, fmt.Sprintf("record %s no longer exists", c.Target), nil
		}
		return LiveUnknown, fmt.Sprintf("record %s no longer exists", c.Target), nil
	}
	if before != nil && len(DiffDNS(*before, *live)) == 0 {
		return LiveBefore, "", nil
	}
	if after != nil && len(DiffDNS(*after, *live)) == 0 {
		return LiveAfter, "", nil
	}
	if before == nil {
		return LiveUnknown, fmt.Sprintf("record %s exists but the change recorded no before state", c.Target), nil
	}
	return LiveUnknown, fmt.Sprintf("record %s (%s) %s", live.Name, live.Type, strings.Join(DiffDNS(*before, *live), ", ")), nil
}

// DiffDNS lists the fields of live that differ from want, as "content is now X, was Y".
// It compares what a change sets (type, name, content, ttl, proxied, priority,
// comment), ignoring ids, tags and timestamps.
func DiffDNS(want, live infra.DNSRecord) []string {
	var d []string
	add := func(field, now, was string) { d = append(d, fmt.Sprintf("%s is now %s, was %s", field, now, was)) }
	if !strings.EqualFold(want.Type, live.Type) {
		add("type", live.Type, want.Type)
	}
	if normName(want.Name) != normName(live.Name) {
		add("name", live.Name, want.Name)
	}
	if !sameContent(want.Type, want.Content, live.Content) {
		add("content", live.Content, want.Content)
	}
	if want.TTL != live.TTL {
		add("ttl", strconv.Itoa(live.TTL), strconv.Itoa(want.TTL))
	}
	if want.Proxied != live.Proxied {
		add("proxied", strconv.FormatBool(live.Proxied), strconv.FormatBool(want.Proxied))
	}
	if !samePriority(want, live) {
		add("priority", intp(live.Priority), intp(want.Priority))
	}
	if want.Comment != live.Comment {
		add("comment", strconv.Quote(live.Comment), strconv.Quote(want.Comment))
	}
	return d
}

func normName(n string) string { return strings.ToLower(strings.TrimSuffix(n, ".")) }

func sameContent(typ, a, b string) bool {
	switch strings.ToUpper(typ) {
	case "A", "AAAA":
		x, err1 := netip.ParseAddr(a)
		y, err2 := netip.ParseAddr(b)
		if err1 == nil && err2 == nil {
			return x == y
		}
	case "CNAME", "NS", "MX", "PTR":
		return normName(a) == normName(b)
	}
	return a == b
}

func samePriority(a, b infra.DNSRecord) bool {
	switch strings.ToUpper(a.Type) {
	case "MX", "SRV", "URI":
	default:
		return true // the API reports no priority for other types
	}
	if a.Priority == nil || b.Priority == nil {
		return a.Priority == nil && b.Priority == nil
	}
	return *a.Priority == *b.Priority
}

func intp(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}

func classifySetting(z *infra.Zone, c infra.Change) (Liveness, string, error) {
	before, err := decodeSide[infra.SettingValue](c.Before)
	if err != nil {
		return LiveUnknown, "", err
	}
	after, err := decodeSide[infra.SettingValue](c.After)
	if err != nil {
		return LiveUnknown, "", err
	}
	live, ok := z.Settings[c.Target]
	if !ok {
		return LiveUnknown, fmt.Sprintf("setting %s no longer exists", c.Target), nil
	}
	if before != nil && SameJSON(before.Value, live) {
		return LiveBefore, "", nil
	}
	if after != nil && SameJSON(after.Value, live) {
		return LiveAfter, "", nil
	}
	was := "unset"
	if before != nil {
		was = string(before.Value)
	}
	return LiveUnknown, fmt.Sprintf("setting %s is now %s, was %s", c.Target, compactJSON(live), compactJSON(json.RawMessage(was))), nil
}

// SameJSON compares two JSON values semantically (key order, whitespace and
// number spelling do not matter).
func SameJSON(a, b json.RawMessage) bool {
	x, err1 := canonicalValue(a)
	y, err2 := canonicalValue(b)
	if err1 != nil || err2 != nil {
		return false
	}
	xb, _ := json.Marshal(normalizeNumbers(x))
	yb, _ := json.Marshal(normalizeNumbers(y))
	return bytes.Equal(xb, yb)
}

func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
	}
	return v
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

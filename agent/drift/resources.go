package drift

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// securitySettings are zone settings whose drift weakens protection.
var securitySettings = map[string]bool{
	"security_level": true, "waf": true, "ssl": true, "min_tls_version": true,
	"always_use_https": true, "automatic_https_rewrites": true, "browser_check": true,
	"tls_1_3": true, "opportunistic_encryption": true, "hotlink_protection": true,
	"challenge_ttl": true, "email_obfuscation": true, "server_side_exclude": true,
}

func isProduction(env string) bool { return strings.EqualFold(env, "production") }

// severity: production drifts matter more; protections matter most.
func severity(env string, security bool) Severity {
	switch {
	case isProduction(env) && security:
		return High
	case isProduction(env) || security:
		return Medium
	}
	return Low
}

func recordKey(r infra.DNSRecord) string { return r.Type + " " + r.Name }

// recordComparable drops what Cloudflare assigns (id) so two records can be
// compared as desired state.
func recordComparable(r infra.DNSRecord) infra.DNSRecord {
	r.ID = ""
	if len(r.Tags) == 0 {
		r.Tags = nil
	}
	return r
}

func compareRecords(rep *Report, ig Ignore, zone, env string, base []Record, z *infra.Zone) {
	if !z.RecordsFetch.Complete {
		rep.add(unknown(zone, infra.ResDNSRecords, z.RecordsFetch.Error))
		return
	}
	// Work on indexes into the inputs: a zone may hold 100,000 records, and
	// copying them (or allocating per record) dominates the diff.
	want := make([]int, 0, len(base))
	for i := range base {
		if len(ig.Records) == 0 || !ig.record(base[i].infra()) {
			want = append(want, i)
		}
	}
	have := make([]int, 0, len(z.Records))
	for j := range z.Records {
		if len(ig.Records) == 0 || !ig.record(z.Records[j]) {
			have = append(have, j)
		}
	}
	rep.Compared += len(want)
	pair := make([]int, len(want)) // want position -> have position, -1 unmatched
	for i := range pair {
		pair[i] = -1
	}
	usedH := make([]bool, len(have))

	// 1. identity by type + name + content: survives Cloudflare ids changing.
	// Equal keys chain through next (no slice per key).
	type tnc struct{ typ, name, content string }
	head := make(map[tnc]int, len(have))
	next := make([]int, len(have))
	for hp := len(have) - 1; hp >= 0; hp-- {
		h := &z.Records[have[hp]]
		k := tnc{h.Type, strings.ToLower(h.Name), h.Content}
		if first, ok := head[k]; ok {
			next[hp] = first
		} else {
			next[hp] = -1
		}
		head[k] = hp
	}
	for wp, i := range want {
		w := &base[i]
		k := tnc{w.Type, strings.ToLower(w.Name), w.Content}
		if hp, ok := head[k]; ok && hp >= 0 {
			pair[wp], usedH[hp] = hp, true
			head[k] = next[hp]
		}
	}
	// 2. then by id: the same record whose content was edited.
	byID := map[string]int{}
	for hp, j := range have {
		if !usedH[hp] && z.Records[j].ID != "" {
			byID[z.Records[j].ID] = hp
		}
	}
	for wp, i := range want {
		if pair[wp] >= 0 || base[i].ID == "" {
			continue
		}
		if hp, ok := byID[base[i].ID]; ok && !usedH[hp] {
			pair[wp], usedH[hp] = hp, true
		}
	}
	// 3. finally a lone record of the same type and name on both sides.
	type tn struct{ typ, name string }
	haveTN := map[tn][]int{}
	for hp, j := range have {
		if !usedH[hp] {
			k := tn{z.Records[j].Type, strings.ToLower(z.Records[j].Name)}
			haveTN[k] = append(haveTN[k], hp)
		}
	}
	wantTN := map[tn][]int{}
	for wp, i := range want {
		if pair[wp] < 0 {
			k := tn{base[i].Type, strings.ToLower(base[i].Name)}
			wantTN[k] = append(wantTN[k], wp)
		}
	}
	for k, wps := range wantTN {
		if hps := haveTN[k]; len(wps) == 1 && len(hps) == 1 {
			pair[wps[0]], usedH[hps[0]] = hps[0], true
		}
	}

	for wp, i := range want {
		if pair[wp] < 0 {
			continue
		}
		h := z.Records[have[pair[wp]]]
		if sameAsLive(&base[i], &h) {
			continue
		}
		w := base[i].infra()
		diffs := fieldDiffs(recordComparable(w), recordComparable(h))
		after := w
		after.ID = h.ID
		rep.add(Finding{Zone: zone, Resource: infra.ResDNSRecords, Kind: Changed, Key: recordKey(w),
			Severity: severity(env, false), Fields: diffs,
			Summary:  fmt.Sprintf("%s record %s changed: %s", w.Type, w.Name, describeDiffs(diffs)),
			Baseline: mustJSON(w), Live: mustJSON(h),
			Revert: []infra.Change{{Kind: infra.DNSUpdate, Zone: zone, Target: h.ID, Before: mustJSON(h), After: mustJSON(after)}}})
	}
	for wp, i := range want {
		if pair[wp] >= 0 {
			continue
		}
		w := base[i].infra()
		sev := severity(env, false)
		if w.Type == "NS" || strings.EqualFold(w.Name, zone) {
			sev = High
		}
		after := w
		after.ID = ""
		rep.add(Finding{Zone: zone, Resource: infra.ResDNSRecords, Kind: Removed, Key: recordKey(w), Severity: sev,
			Summary:  fmt.Sprintf("%s record %s -> %s is in the baseline but gone", w.Type, w.Name, w.Content),
			Baseline: mustJSON(w),
			Revert:   []infra.Change{{Kind: infra.DNSCreate, Zone: zone, Target: recordKey(w), After: mustJSON(after)}}})
	}
	for hp, j := range have {
		if usedH[hp] {
			continue
		}
		h := z.Records[j]
		rep.add(Finding{Zone: zone, Resource: infra.ResDNSRecords, Kind: Added, Key: recordKey(h), Severity: severity(env, false),
			Summary: fmt.Sprintf("%s record %s -> %s is live but not in the baseline", h.Type, h.Name, h.Content),
			Live:    mustJSON(h),
			Revert:  []infra.Change{{Kind: infra.DNSDelete, Zone: zone, Target: h.ID, Before: mustJSON(h)}}})
	}
}

// sameAsLive compares a baseline record with a live one as desired state
// (ids ignored) without converting either.
func sameAsLive(a *Record, b *infra.DNSRecord) bool {
	if a.Type != b.Type || a.Name != b.Name || a.Content != b.Content || a.TTL != b.TTL ||
		a.Proxied != b.Proxied || a.Comment != b.Comment || len(a.Tags) != len(b.Tags) {
		return false
	}
	if (a.Priority == nil) != (b.Priority == nil) || (a.Priority != nil && *a.Priority != *b.Priority) {
		return false
	}
	for i := range a.Tags {
		if a.Tags[i] != b.Tags[i] {
			return false
		}
	}
	return true
}

func describeDiffs(ds []FieldDiff) string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s %s -> %s", d.Field, d.Baseline, d.Live))
	}
	return strings.Join(parts, ", ")
}

func compareSettings(rep *Report, ig Ignore, zone, env string, base map[string]any, z *infra.Zone) {
	if !z.SettingsFetch.Complete {
		rep.add(unknown(zone, infra.ResSettings, z.SettingsFetch.Error))
		return
	}
	ids := make([]string, 0, len(base))
	for id := range base {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if ig.setting(id) {
			continue
		}
		rep.Compared++
		want := base[id]
		raw, ok := z.Settings[id]
		if !ok {
			rep.add(Finding{Zone: zone, Resource: infra.ResSettings, Kind: Removed, Key: id, Severity: severity(env, securitySettings[id]),
				Summary: fmt.Sprintf("setting %s is in the baseline but the zone no longer reports it", id), Baseline: mustJSON(want),
				NoRevert: "the zone does not report this setting; check its plan"})
			continue
		}
		var have any
		if err := json.Unmarshal(raw, &have); err != nil {
			rep.add(unknown(zone, infra.ResSettings, fmt.Sprintf("setting %s is not JSON", id)))
			continue
		}
		if reflect.DeepEqual(normalize(want), normalize(have)) {
			continue
		}
		before := infra.SettingValue{ID: id, Value: raw}
		after := infra.SettingValue{ID: id, Value: mustJSON(want)}
		rep.add(Finding{Zone: zone, Resource: infra.ResSettings, Kind: Changed, Key: id, Severity: severity(env, securitySettings[id]),
			Fields:   []FieldDiff{{Field: "value", Baseline: show(want), Live: show(have)}},
			Summary:  fmt.Sprintf("setting %s changed: %s -> %s", id, show(want), show(have)),
			Baseline: mustJSON(want), Live: raw,
			Revert: []infra.Change{{Kind: infra.SettingEdit, Zone: zone, Target: id, Before: mustJSON(before), After: mustJSON(after)}}})
	}
}

// normalize makes YAML-decoded and JSON-decoded values comparable (YAML
// gives ints and map[string]any; JSON gives float64).
func normalize(v any) any {
	var out any
	_ = json.Unmarshal(mustJSON(v), &out)
	return out
}

func ruleKey(r infra.Rule) string {
	if r.Description != "" {
		return r.Description
	}
	return r.Expression
}

func compareRules(rep *Report, zone, env string, res infra.Resource, base []Rule, live []infra.Rule, fetch *infra.Fetch) {
	if !fetch.Complete {
		rep.add(unknown(zone, res, fetch.Error))
		return
	}
	rep.Compared += len(base)
	used := make([]bool, len(live))
	find := func(w infra.Rule) int {
		for _, same := range []func(h infra.Rule) bool{
			func(h infra.Rule) bool { return w.Ref != "" && h.Ref == w.Ref },
			func(h infra.Rule) bool { return w.ID != "" && h.ID == w.ID },
			func(h infra.Rule) bool { return h.Description == w.Description && h.Expression == w.Expression },
			func(h infra.Rule) bool { return w.Description != "" && h.Description == w.Description },
		} {
			for j, h := range live {
				if !used[j] && same(h) {
					return j
				}
			}
		}
		return -1
	}
	security := res == infra.ResFirewallRules
	noun := "firewall rule"
	if !security {
		noun = "rate-limit rule"
	}
	for _, b := range base {
		w := b.infra()
		j := find(w)
		if j < 0 {
			f := Finding{Zone: zone, Resource: res, Kind: Removed, Key: ruleKey(w), Severity: severity(env, true),
				Summary: fmt.Sprintf("%s %q (%s) is in the baseline but gone", noun, ruleKey(w), w.Action), Baseline: mustJSON(w)}
			after := w
			after.ID = ""
			if security {
				f.Revert = []infra.Change{{Kind: infra.FirewallCreate, Zone: zone, Target: ruleKey(w), After: mustJSON(after)}}
			} else {
				f.Revert = []infra.Change{{Kind: infra.RateLimitAdd, Zone: zone, Target: ruleKey(w), After: mustJSON(after)}}
			}
			rep.add(f)
			continue
		}
		used[j] = true
		h := live[j]
		cw, ch := w, h
		cw.ID, ch.ID, cw.Ref, ch.Ref = "", "", "", ""
		if reflect.DeepEqual(cw, ch) {
			continue
		}
		diffs := fieldDiffs(cw, ch)
		sev := severity(env, security)
		if security && w.Enabled && !h.Enabled {
			sev = severity(env, true)
		}
		f := Finding{Zone: zone, Resource: res, Kind: Changed, Key: ruleKey(w), Severity: sev, Fields: diffs,
			Summary:  fmt.Sprintf("%s %q changed: %s", noun, ruleKey(w), describeDiffs(diffs)),
			Baseline: mustJSON(w), Live: mustJSON(h)}
		if security {
			after := w
			after.ID = h.ID
			kind := infra.FirewallUpdate
			if len(diffs) == 1 && diffs[0].Field == "enabled" {
				kind = infra.FirewallEnable
				if !w.Enabled {
					kind = infra.FirewallDisable
				}
			}
			f.Revert = []infra.Change{{Kind: kind, Zone: zone, Target: h.ID, Before: mustJSON(h), After: mustJSON(after)}}
		} else {
			f.NoRevert = "driftdeck can add rate-limit rules but not edit them; edit it in the dashboard or Terraform"
		}
		rep.add(f)
	}
	for j, h := range live {
		if used[j] {
			continue
		}
		f := Finding{Zone: zone, Resource: res, Kind: Added, Key: ruleKey(h), Severity: severity(env, false),
			Summary: fmt.Sprintf("%s %q (%s) is live but not in the baseline", noun, ruleKey(h), h.Action), Live: mustJSON(h)}
		if security {
			f.Revert = []infra.Change{{Kind: infra.FirewallDelete, Zone: zone, Target: h.ID, Before: mustJSON(h)}}
		} else {
			f.NoRevert = "driftdeck cannot delete rate-limit rules; remove it in the dashboard or Terraform"
		}
		rep.add(f)
	}
}

func compareRoutes(rep *Report, zone, env string, base []Route, z *infra.Zone) {
	if !z.RoutesFetch.Complete {
		rep.add(unknown(zone, infra.ResWorkerRoutes, z.RoutesFetch.Error))
		return
	}
	rep.Compared += len(base)
	live := map[string]infra.WorkerRoute{}
	for _, r := range z.Routes {
		live[r.Pattern] = r
	}
	for _, b := range base {
		h, ok := live[b.Pattern]
		delete(live, b.Pattern)
		switch {
		case !ok:
			rep.add(Finding{Zone: zone, Resource: infra.ResWorkerRoutes, Kind: Removed, Key: b.Pattern, Severity: severity(env, false),
				Summary: fmt.Sprintf("worker route %s -> %s is in the baseline but gone", b.Pattern, b.Script), Baseline: mustJSON(b),
				NoRevert: "re-create the route with deploy_worker or in the dashboard"})
		case h.Script != b.Script:
			rep.add(Finding{Zone: zone, Resource: infra.ResWorkerRoutes, Kind: Changed, Key: b.Pattern, Severity: severity(env, false),
				Fields:   []FieldDiff{{Field: "script", Baseline: b.Script, Live: h.Script}},
				Summary:  fmt.Sprintf("worker route %s now runs %s instead of %s", b.Pattern, h.Script, b.Script),
				Baseline: mustJSON(b), Live: mustJSON(h), NoRevert: "route edits are not a driftdeck change kind yet"})
		}
	}
	patterns := make([]string, 0, len(live))
	for p := range live {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		h := live[p]
		rep.add(Finding{Zone: zone, Resource: infra.ResWorkerRoutes, Kind: Added, Key: p, Severity: severity(env, false),
			Summary: fmt.Sprintf("worker route %s -> %s is live but not in the baseline", p, h.Script), Live: mustJSON(h),
			NoRevert: "route deletion is not a driftdeck change kind yet"})
	}
}

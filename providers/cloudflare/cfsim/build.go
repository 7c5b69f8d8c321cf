package cfsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

var (
	hexID      = regexp.MustCompile(`^[0-9a-f]{32}$`)
	scriptName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
)

// validateScenario checks everything that building the state does not.
func validateScenario(sc *Scenario) error {
	if sc.Account.ID == "" {
		sc.Account.ID = hashID("account/", sc.Account.Name)
	}
	if !hexID.MatchString(sc.Account.ID) {
		return perr([]any{"account", "id"}, "account id %q must be 32 lower-case hex characters", sc.Account.ID)
	}
	if sc.Account.Name == "" {
		return perr([]any{"account"}, "account needs a name")
	}
	if len(sc.Tokens) == 0 {
		return perr([]any{"tokens"}, "the scenario needs at least one token")
	}
	if len(sc.Zones) == 0 {
		return perr([]any{"zones"}, "the scenario needs at least one zone")
	}
	zoneNames := map[string]bool{}
	for i, z := range sc.Zones {
		zoneNames[z.Name] = true
		if !validHostname(z.Name) || !strings.Contains(z.Name, ".") {
			return perr([]any{"zones", i, "name"}, "zone name %q is not a domain name", z.Name)
		}
		if z.ID != "" && !hexID.MatchString(z.ID) {
			return perr([]any{"zones", i, "id"}, "zone %q: id %q must be 32 lower-case hex characters", z.Name, z.ID)
		}
	}
	seen := map[string]bool{}
	for i, t := range sc.Tokens {
		path := []any{"tokens", i}
		switch {
		case t.Name == "" || t.Value == "":
			return perr(path, "token %d needs a name and a value", i+1)
		case seen[t.Name] || seen["v:"+t.Value]:
			return perr(path, "token %q repeats a name or value of another token", t.Name)
		case len(t.Scopes) == 0:
			return perr(path, "token %q needs scopes (read, write)", t.Name)
		}
		seen[t.Name], seen["v:"+t.Value] = true, true
		for j, s := range t.Scopes {
			if s != "read" && s != "write" {
				return perr(append(path, "scopes", j), "token %q: scope %q is unknown (use read or write)", t.Name, s)
			}
		}
		for j, z := range t.Zones {
			if !zoneNames[z] {
				return perr(append(path, "zones", j), "token %q: zone %q is not in the scenario", t.Name, z)
			}
		}
	}
	for i, w := range sc.Workers {
		if !scriptName.MatchString(w.Name) {
			return perr([]any{"workers", i, "name"}, "worker name %q must be lower-case letters, digits, - or _", w.Name)
		}
		if strings.TrimSpace(w.Source) == "" {
			return perr([]any{"workers", i, "source"}, "worker %q needs a source", w.Name)
		}
	}
	for name, m := range sc.Traffic {
		if !zoneNames[name] {
			return perr([]any{"traffic", name}, "traffic model for %q names no zone of the scenario", name)
		}
		if err := checkModel(m); err != "" {
			return perr([]any{"traffic", name}, "traffic model for %q: %s", name, err)
		}
	}
	if _, err := buildState(sc, time.Unix(0, 0).UTC()); err != nil {
		return err
	}
	sc.startsAt = map[int]time.Duration{}
	for i, ev := range sc.Events {
		path := []any{"events", i}
		at, err := parseOffset(ev.At)
		if err != nil || at < 0 {
			return perr(append(path, "at"), "event %d: at %q is not a duration like 45s or 2m", i+1, ev.At)
		}
		sc.startsAt[i] = at
		switch ev.Type {
		case "traffic":
			if ev.Traffic == nil {
				return perr(path, "event %d: a traffic event needs traffic {zone, kind, multiplier|ratio, duration}", i+1)
			}
			if _, err := ev.Traffic.injection(time.Time{}, zoneNames); err != nil {
				return perr(append(path, "traffic"), "event %d: %v", i+1, err)
			}
		case "mutate":
			if ev.Actor == "" || ev.Change == nil {
				return perr(path, "event %d: a mutate event needs an actor and a change", i+1)
			}
			if _, err := ev.change(); err != nil {
				return perr(append(path, "change"), "event %d: %v", i+1, err)
			}
		default:
			return perr(append(path, "type"), "event %d: type %q is unknown (use mutate or traffic)", i+1, ev.Type)
		}
	}
	return nil
}

func checkModel(m TrafficModel) string {
	for name, r := range map[string]float64{"ratio_4xx": m.Ratio4xx, "ratio_5xx": m.Ratio5xx, "ratio_blocks": m.RatioBlocks,
		"ratio_challenges": m.RatioChallenges, "daily_amplitude": m.DailyAmplitude, "weekly_amplitude": m.WeeklyAmplitude, "noise": m.Noise} {
		if r < 0 || r > 1 {
			return fmt.Sprintf("%s %g must be between 0 and 1", name, r)
		}
	}
	if m.BaseRPM < 0 || m.BytesPerRequest < 0 {
		return "base_rpm and bytes_per_request must not be negative"
	}
	return ""
}

// change decodes the event's change into the infra vocabulary.
func (ev EventSpec) change() (infra.Change, error) {
	var ch infra.Change
	raw, err := toJSON(ev.Change)
	if err != nil {
		return ch, fmt.Errorf("change cannot be read: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ch); err != nil {
		return ch, fmt.Errorf("change is not an infra change: %w", err)
	}
	if !slices.Contains(changeKinds, ch.Kind) {
		return ch, fmt.Errorf("change kind %q is unknown", ch.Kind)
	}
	return ch, nil
}

var changeKinds = []infra.ChangeKind{infra.DNSCreate, infra.DNSUpdate, infra.DNSDelete, infra.SettingEdit,
	infra.FirewallCreate, infra.FirewallUpdate, infra.FirewallEnable, infra.FirewallDisable, infra.FirewallDelete,
	infra.RateLimitAdd, infra.CachePurge, infra.WorkerDeploy}

// buildState creates the initial state of a scenario at simulated time start.
func buildState(sc *Scenario, start time.Time) (*state, error) {
	seed := sc.Seed
	st := &state{seed: seed, account: sc.Account, ownerID: hashID("owner/", sc.Account.ID), created: start.Add(-90 * 24 * time.Hour),
		scripts: map[string]*script{}, models: map[string]TrafficModel{}}
	for _, w := range sc.Workers {
		st.scripts[w.Name] = &script{Name: w.Name, Content: w.Source, MainModule: "worker.js", Etag: hashID("etag/", w.Source),
			CreatedOn: st.created, ModifiedOn: st.created}
	}
	for i, zs := range sc.Zones {
		if st.zoneByName(zs.Name) != nil {
			return nil, perr([]any{"zones", i, "name"}, "zone %q appears twice", zs.Name)
		}
		z, err := st.buildZone(i, zs)
		if err != nil {
			return nil, err
		}
		st.zones = append(st.zones, z)
	}
	for _, t := range sc.Tokens {
		ts := &tokenState{TokenSpec: t, ID: hashID("token/", t.Name)}
		if len(t.Zones) > 0 {
			ts.zoneIDs = map[string]bool{}
			for _, name := range t.Zones {
				ts.zoneIDs[st.zoneByName(name).ID] = true
			}
		}
		st.tokens = append(st.tokens, ts)
	}
	for _, z := range st.zones {
		m, ok := sc.Traffic[z.Name]
		if !ok {
			m = TrafficModel{BaseRPM: 200, DailyAmplitude: 0.4, WeeklyAmplitude: 0.25, Noise: 0.1, Ratio4xx: 0.03,
				Ratio5xx: 0.003, RatioBlocks: 0.01, RatioChallenges: 0.01, BytesPerRequest: 12000}
		}
		st.models[z.Name] = m
	}
	return st, nil
}

func (st *state) buildZone(i int, zs ZoneSpec) (*zoneState, error) {
	path := []any{"zones", i}
	z := &zoneState{ID: zs.ID, Name: zs.Name, Environment: zs.Environment, CreatedOn: st.created, Settings: map[string]*setting{}}
	if z.ID == "" {
		z.ID = hashID("zone/", zs.Name)
	}
	for j, rs := range zs.Records {
		in := recordInput{Type: &rs.Type, Name: &rs.Name, Content: &rs.Content, Proxied: &rs.Proxied, Comment: &rs.Comment, Data: rs.Data}
		if rs.TTL != nil {
			t := float64(*rs.TTL)
			in.TTL = &t
		}
		if rs.Priority != nil {
			p := float64(*rs.Priority)
			in.Priority = &p
		}
		if rs.Tags != nil {
			in.Tags = &rs.Tags
		}
		r, err := buildRecord(zs.Name, nil, in)
		if err == nil {
			err = checkConflicts(z.Records, r, "")
		}
		if err != nil {
			return nil, perr(append(path, "records", j), "zone %q: record %d: %s", zs.Name, j+1, lowerFirst(err.Message))
		}
		r.ID, r.CreatedOn, r.ModifiedOn = st.newID("record"), st.created, st.created
		z.Records = append(z.Records, r)
	}
	for id, v := range defaultSettings {
		raw, _ := json.Marshal(v)
		z.Settings[id] = &setting{Value: raw}
	}
	for _, id := range sortedKeys(zs.Settings) {
		raw, err := coerceSetting(id, zs.Settings[id])
		if err != nil {
			return nil, perr(append(path, "settings", id), "zone %q: %s", zs.Name, lowerFirst(err.Error()))
		}
		z.Settings[id] = &setting{Value: raw}
	}
	for _, phase := range []struct {
		name  string
		key   string
		specs []RuleSpec
	}{{phaseFirewall, "firewall_rules", zs.FirewallRules}, {phaseRateLimit, "ratelimit_rules", zs.RateLimitRules}} {
		if len(phase.specs) == 0 {
			continue
		}
		rs := &ruleset{ID: st.newID("ruleset"), Name: "default", Kind: "zone", Phase: phase.name, Version: 1, LastUpdated: st.created}
		for j, spec := range phase.specs {
			r, err := buildRule(phase.name, nil, ruleInputFromSpec(spec), st.created)
			if err != nil {
				return nil, perr(append(path, phase.key, j), "zone %q: rule %d: %s", zs.Name, j+1, lowerFirst(err.Message))
			}
			r.ID = st.newID("rule")
			rs.Rules = append(rs.Rules, r)
		}
		z.Rulesets = append(z.Rulesets, rs)
	}
	for j, rt := range zs.Routes {
		if err := st.checkRoute(z, rt.Pattern, rt.Script, ""); err != nil {
			return nil, perr(append(path, "routes", j), "zone %q: route %d: %s", zs.Name, j+1, lowerFirst(err.Message))
		}
		z.Routes = append(z.Routes, &route{ID: st.newID("route"), Pattern: rt.Pattern, Script: rt.Script})
	}
	return z, nil
}

func lowerFirst(s string) string {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z') {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

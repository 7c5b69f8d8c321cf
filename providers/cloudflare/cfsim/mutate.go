package cfsim

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// applyChange applies an infra.Change as act, through the same operations
// the API uses. It does not check Before as a precondition: an out-of-band
// change is whatever the dashboard user did.
func (st *state) applyChange(ch infra.Change, act actor) (infra.ApplyResult, *apiError) {
	var res infra.ApplyResult
	bad := func(format string, args ...any) (infra.ApplyResult, *apiError) {
		return res, errf(http.StatusBadRequest, codeInvalidRequest, format, args...)
	}
	z := st.zoneByName(ch.Zone)
	if z == nil && ch.Kind != infra.WorkerDeploy {
		return bad("Zone %q does not exist.", ch.Zone)
	}
	switch ch.Kind {
	case infra.DNSCreate, infra.DNSUpdate:
		var rec infra.DNSRecord
		if err := json.Unmarshal(ch.After, &rec); err != nil {
			return bad("The change's after is not a DNS record.")
		}
		in := inputFromInfra(rec)
		var r *record
		var err *apiError
		if ch.Kind == infra.DNSCreate {
			r, err = st.createRecord(z, in, act)
		} else {
			target := st.findChangeRecord(z, ch)
			if target == nil {
				return res, errf(http.StatusNotFound, codeRecordNotFound, "Record does not exist.")
			}
			r, err = st.updateRecord(z, target.ID, in, true, act)
		}
		if err != nil {
			return res, err
		}
		return resultOf(r.ID, infraRecord(r)), nil
	case infra.DNSDelete:
		target := st.findChangeRecord(z, ch)
		if target == nil {
			return res, errf(http.StatusNotFound, codeRecordNotFound, "Record does not exist.")
		}
		return infra.ApplyResult{Target: target.ID}, st.deleteRecord(z, target.ID, act)
	case infra.SettingEdit:
		var sv infra.SettingValue
		if err := json.Unmarshal(ch.After, &sv); err != nil {
			return bad("The change's after is not a setting value.")
		}
		if sv.ID == "" {
			sv.ID = ch.Target
		}
		s, err := st.editSetting(z, sv.ID, sv.Value, act)
		if err != nil {
			return res, err
		}
		return resultOf(sv.ID, infra.SettingValue{ID: sv.ID, Value: s.Value}), nil
	case infra.FirewallCreate, infra.RateLimitAdd:
		phase := phaseFirewall
		if ch.Kind == infra.RateLimitAdd {
			phase = phaseRateLimit
		}
		var rl infra.Rule
		if err := json.Unmarshal(ch.After, &rl); err != nil {
			return bad("The change's after is not a rule.")
		}
		existed := z.entrypoint(phase) != nil
		rs := st.ensureEntrypoint(z, phase, act.At)
		r, err := st.addRule(z, rs, ruleInputFromInfra(rl), act)
		if err != nil {
			if !existed {
				z.Rulesets = z.Rulesets[:len(z.Rulesets)-1]
			}
			return res, err
		}
		return resultOf(r.ID, infraRule(r)), nil
	case infra.FirewallUpdate, infra.FirewallEnable, infra.FirewallDisable, infra.FirewallDelete:
		rs, r := st.findChangeRule(z, ch)
		if r == nil {
			return res, errf(http.StatusNotFound, codeNotFound, "Could not find rule %q in the zone's custom rules.", ch.Target)
		}
		var in ruleInput
		switch ch.Kind {
		case infra.FirewallDelete:
			return infra.ApplyResult{Target: r.ID}, st.deleteRule(z, rs, r.ID, act)
		case infra.FirewallUpdate:
			var rl infra.Rule
			if err := json.Unmarshal(ch.After, &rl); err != nil {
				return bad("The change's after is not a rule.")
			}
			in = ruleInputFromInfra(rl)
		default:
			enabled := ch.Kind == infra.FirewallEnable
			in.Enabled = &enabled
		}
		updated, err := st.patchRule(z, rs, r.ID, in, act)
		if err != nil {
			return res, err
		}
		return resultOf(updated.ID, infraRule(updated)), nil
	case infra.CachePurge:
		var pr infra.PurgeRequest
		if err := json.Unmarshal(ch.After, &pr); err != nil {
			return bad("The change's after is not a purge request.")
		}
		req := purgeRequest{Tags: pr.Tags}
		if pr.Everything {
			t := true
			req.PurgeEverything = &t
		}
		for _, u := range pr.URLs {
			raw, _ := json.Marshal(u)
			req.Files = append(req.Files, raw)
		}
		return infra.ApplyResult{Target: z.ID}, st.purge(z, req, act)
	case infra.WorkerDeploy:
		return st.deployWorker(z, ch, act)
	}
	return bad("Change kind %q is unknown.", ch.Kind)
}

func (st *state) deployWorker(z *zoneState, ch infra.Change, act actor) (infra.ApplyResult, *apiError) {
	var wd infra.WorkerDeployment
	if err := json.Unmarshal(ch.After, &wd); err != nil {
		return infra.ApplyResult{}, errf(http.StatusBadRequest, codeInvalidRequest, "The change's after is not a worker deployment.")
	}
	if wd.ScriptName == "" {
		wd.ScriptName = ch.Target
	}
	sc, err := st.uploadScript(wd.ScriptName, wd.Source, "worker.js", act)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	if wd.RoutePattern != "" {
		if z == nil {
			return infra.ApplyResult{}, errf(http.StatusBadRequest, codeInvalidRequest, "A route needs the change's zone.")
		}
		var existing *route
		for _, r := range z.Routes {
			if r.Pattern == wd.RoutePattern {
				existing = r
			}
		}
		if existing != nil {
			_, err = st.updateRoute(z, existing.ID, wd.RoutePattern, sc.Name, act)
		} else {
			_, err = st.createRoute(z, wd.RoutePattern, sc.Name, act)
		}
		if err != nil {
			return infra.ApplyResult{}, err
		}
	}
	wd.Etag, wd.Source = sc.Etag, ""
	return resultOf(sc.Name, wd), nil
}

// findChangeRecord finds a change's record by id, or else by the type and
// name (and content, when given) of its before.
func (st *state) findChangeRecord(z *zoneState, ch infra.Change) *record {
	if r := z.record(ch.Target); r != nil {
		return r
	}
	var before infra.DNSRecord
	if json.Unmarshal(ch.Before, &before) != nil {
		return nil
	}
	name, err := qualifyName(z.Name, before.Name)
	if err != nil {
		return nil
	}
	for _, r := range z.Records {
		if r.Name == name && strings.EqualFold(r.Type, before.Type) && (before.Content == "" || r.Content == before.Content) {
			return r
		}
	}
	return nil
}

// findChangeRule finds a custom firewall rule by id, ref or description.
func (st *state) findChangeRule(z *zoneState, ch infra.Change) (*ruleset, *rule) {
	rs := z.entrypoint(phaseFirewall)
	if rs == nil {
		return nil, nil
	}
	for _, r := range rs.Rules {
		if r.ID == ch.Target || (ch.Target != "" && (r.Ref == ch.Target || r.Description == ch.Target)) {
			return rs, r
		}
	}
	return nil, nil
}

func inputFromInfra(rec infra.DNSRecord) recordInput {
	ttl := float64(rec.TTL)
	if rec.TTL == 0 {
		ttl = 1
	}
	in := recordInput{Type: &rec.Type, Name: &rec.Name, Content: &rec.Content, TTL: &ttl, Proxied: &rec.Proxied, Comment: &rec.Comment}
	if rec.Priority != nil {
		p := float64(*rec.Priority)
		in.Priority = &p
	}
	if rec.Tags != nil {
		in.Tags = &rec.Tags
	}
	return in
}

func infraRecord(r *record) infra.DNSRecord {
	return infra.DNSRecord{ID: r.ID, Type: r.Type, Name: r.Name, Content: r.Content, TTL: r.TTL, Proxied: r.Proxied,
		Priority: r.Priority, Comment: r.Comment, Tags: r.Tags}
}

func ruleInputFromInfra(rl infra.Rule) ruleInput {
	in := ruleInput{Description: &rl.Description, Expression: &rl.Expression, Action: &rl.Action, Enabled: &rl.Enabled}
	if rl.Ref != "" {
		in.Ref = &rl.Ref
	}
	if rl.RateLimit != nil {
		in.RateLimit = &RateLimitSpec{Characteristics: rl.RateLimit.Characteristics, Period: rl.RateLimit.Period,
			RequestsPerPeriod: rl.RateLimit.RequestsPerPeriod, MitigationTimeout: rl.RateLimit.MitigationTimeout}
	}
	return in
}

func infraRule(r *rule) infra.Rule {
	out := infra.Rule{ID: r.ID, Ref: r.Ref, Description: r.Description, Expression: r.Expression, Action: r.Action, Enabled: r.Enabled}
	if r.RateLimit != nil {
		out.RateLimit = &infra.RateLimit{Characteristics: r.RateLimit.Characteristics, Period: r.RateLimit.Period,
			RequestsPerPeriod: r.RateLimit.RequestsPerPeriod, MitigationTimeout: r.RateLimit.MitigationTimeout}
	}
	return out
}

func resultOf(target string, after any) infra.ApplyResult {
	raw, _ := json.Marshal(after)
	return infra.ApplyResult{Target: target, After: raw}
}

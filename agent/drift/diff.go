package drift

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Kind says how live differs from the baseline.
type Kind string

const (
	Added   Kind = "added"   // live has it, the baseline does not
	Removed Kind = "removed" // the baseline has it, live (fetched completely) does not
	Changed Kind = "changed" // both have it, fields differ
	Unknown Kind = "unknown" // live could not be read completely: no verdict
)

// Severity ranks findings for the on-call engineer.
type Severity string

const (
	Low    Severity = "low"
	Medium Severity = "medium"
	High   Severity = "high"
)

// FieldDiff is one differing field.
type FieldDiff struct {
	Field    string `json:"field"`
	Baseline string `json:"baseline"`
	Live     string `json:"live"`
}

// Finding is one drifted resource.
type Finding struct {
	ID       string          `json:"id"` // stable across runs for the same drift
	Zone     string          `json:"zone"`
	Resource infra.Resource  `json:"resource"`
	Kind     Kind            `json:"kind"`
	Key      string          `json:"key"` // what it is, for humans: "A www.example.com", "security_level"
	Severity Severity        `json:"severity"`
	Summary  string          `json:"summary"`
	Fields   []FieldDiff     `json:"fields,omitempty"`
	Baseline json.RawMessage `json:"baseline,omitempty"`
	Live     json.RawMessage `json:"live,omitempty"`
	// Revert are the changes that restore the baseline; empty with
	// NoRevert set when driftdeck cannot revert this kind automatically.
	Revert   []infra.Change `json:"revert,omitempty"`
	NoRevert string         `json:"no_revert,omitempty"`
}

// Report is the result of one comparison.
type Report struct {
	Findings []Finding `json:"findings"`
	// Compared counts the resources compared per zone and kind, so "no
	// drift" can be told apart from "nothing was compared".
	Compared int `json:"compared"`
}

// HasDrift reports whether any finding is a real difference (unknowns are
// not drift, but they are not "no drift" either: see Incomplete).
func (r Report) HasDrift() bool {
	for _, f := range r.Findings {
		if f.Kind != Unknown {
			return true
		}
	}
	return false
}

// Incomplete reports whether some resources could not be compared.
func (r Report) Incomplete() bool {
	for _, f := range r.Findings {
		if f.Kind == Unknown {
			return true
		}
	}
	return false
}

// Compare diffs the baseline against a snapshot. Zones in the baseline that
// the snapshot does not cover because of its scope are skipped; pass the
// scope's zone names in only to restrict further (nil = all in baseline).
func Compare(b *Baseline, snap *infra.Snapshot, only []string) Report {
	var rep Report
	live := map[string]*infra.Zone{}
	for i := range snap.Zones {
		live[snap.Zones[i].Name] = &snap.Zones[i]
	}
	names := make([]string, 0, len(b.Zones))
	for n := range b.Zones {
		if len(only) == 0 || contains(only, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		bz := b.Zones[name]
		z, ok := live[name]
		if !ok {
			if snap.ZonesFetch.Complete {
				rep.add(Finding{Zone: name, Resource: infra.ResZones, Kind: Unknown, Key: name, Severity: High,
					Summary: fmt.Sprintf("zone %s is in the baseline but not visible: deleted, or the token cannot see it", name)})
			} else {
				rep.add(unknown(name, infra.ResZones, snap.ZonesFetch.Error))
			}
			continue
		}
		env := bz.Environment
		if z.RecordsFetch != nil {
			compareRecords(&rep, b.Ignore, name, env, bz.Records, z)
		}
		if z.SettingsFetch != nil {
			compareSettings(&rep, b.Ignore, name, env, bz.Settings, z)
		}
		if z.FirewallFetch != nil {
			compareRules(&rep, name, env, infra.ResFirewallRules, bz.FirewallRules, z.FirewallRules, z.FirewallFetch)
		}
		if z.RateLimitFetch != nil {
			compareRules(&rep, name, env, infra.ResRateLimitRules, bz.RateLimitRules, z.RateLimitRules, z.RateLimitFetch)
		}
		if z.RoutesFetch != nil {
			compareRoutes(&rep, name, env, bz.Routes, z)
		}
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		f.ID = findingID(f)
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if sevRank(a.Severity) != sevRank(b.Severity) {
			return sevRank(a.Severity) > sevRank(b.Severity)
		}
		if a.Zone != b.Zone {
			return a.Zone < b.Zone
		}
		return a.Key < b.Key
	})
	return rep
}

func (r *Report) add(f Finding) { r.Findings = append(r.Findings, f) }

func unknown(zone string, res infra.Resource, why string) Finding {
	return Finding{Zone: zone, Resource: res, Kind: Unknown, Key: string(res), Severity: Medium,
		Summary: fmt.Sprintf("%s of %s could not be read completely (%s): no verdict until the next good fetch", res, zone, why)}
}

// findingID is a short hash of what drifted and how, so the same drift keeps
// its id across runs and a revert proposal can name it.
func findingID(f *Finding) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", f.Zone, f.Resource, f.Kind, f.Key)
	h.Write(f.Baseline)
	h.Write(f.Live)
	return "D-" + hex.EncodeToString(h.Sum(nil))[:8]
}

func sevRank(s Severity) int {
	switch s {
	case High:
		return 3
	case Medium:
		return 2
	}
	return 1
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("drift: marshal %T: %v", v, err)) // only our own plain types are marshalled
	}
	return b
}

// fieldDiffs compares two structs field by field by their JSON form.
func fieldDiffs(base, live any, ignore ...string) []FieldDiff {
	var a, b map[string]any
	_ = json.Unmarshal(mustJSON(base), &a)
	_ = json.Unmarshal(mustJSON(live), &b)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []FieldDiff
	for k := range keys {
		if contains(ignore, k) {
			continue
		}
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, FieldDiff{Field: k, Baseline: show(a[k]), Live: show(b[k])})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	if s, ok := v.(string); ok {
		return s
	}
	return strings.TrimSpace(string(mustJSON(v)))
}

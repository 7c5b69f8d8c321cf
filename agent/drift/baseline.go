// Package drift compares a baseline (the desired configuration, a
// git-friendly YAML file) with a live snapshot and reports what changed:
// added, removed and changed resources with a field-level diff and a
// severity, and for each finding the changes that would revert it.
// Resources whose fetch failed are reported as unknown, never as removed.
package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Baseline is the desired state, per zone.
type Baseline struct {
	Version    int                      `yaml:"version"`
	CapturedAt time.Time                `yaml:"captured_at,omitempty"`
	Ignore     Ignore                   `yaml:"ignore,omitempty"`
	Zones      map[string]*BaselineZone `yaml:"zones"`
}

// BaselineZone is one zone's desired configuration. Lists are kept in a
// stable order so that a captured baseline diffs cleanly in git.
type BaselineZone struct {
	Environment    string         `yaml:"environment,omitempty"` // production, staging, ...
	Records        []Record       `yaml:"records,omitempty"`
	Settings       map[string]any `yaml:"settings,omitempty"`
	FirewallRules  []Rule         `yaml:"firewall_rules,omitempty"`
	RateLimitRules []Rule         `yaml:"ratelimit_rules,omitempty"`
	Routes         []Route        `yaml:"routes,omitempty"`
}

// Record is a DNS record in the baseline. ID is informational: identity is
// type + name + content first, then the id.
type Record struct {
	ID       string   `yaml:"id,omitempty"`
	Type     string   `yaml:"type"`
	Name     string   `yaml:"name"`
	Content  string   `yaml:"content"`
	TTL      int      `yaml:"ttl"`
	Proxied  bool     `yaml:"proxied,omitempty"`
	Priority *int     `yaml:"priority,omitempty"`
	Comment  string   `yaml:"comment,omitempty"`
	Tags     []string `yaml:"tags,omitempty"`
}

// Rule is a custom WAF or rate-limiting rule in the baseline.
type Rule struct {
	ID          string           `yaml:"id,omitempty"`
	Ref         string           `yaml:"ref,omitempty"`
	Description string           `yaml:"description"`
	Expression  string           `yaml:"expression"`
	Action      string           `yaml:"action"`
	Enabled     bool             `yaml:"enabled"`
	RateLimit   *infra.RateLimit `yaml:"ratelimit,omitempty"`
}

// Route maps a URL pattern to a Worker.
type Route struct {
	Pattern string `yaml:"pattern"`
	Script  string `yaml:"script,omitempty"`
}

// Ignore lists what is managed elsewhere and must not be reported.
type Ignore struct {
	Records  []RecordMatch `yaml:"records,omitempty"`
	Settings []string      `yaml:"settings,omitempty"` // setting ids
}

// RecordMatch ignores records by name (a glob such as "_acme-challenge.*"),
// type, or tag; the fields given must all match.
type RecordMatch struct {
	Name string `yaml:"name,omitempty"`
	Type string `yaml:"type,omitempty"`
	Tag  string `yaml:"tag,omitempty"`
}

func (m RecordMatch) matches(r infra.DNSRecord) bool {
	if m.Name == "" && m.Type == "" && m.Tag == "" {
		return false
	}
	if m.Type != "" && !strings.EqualFold(m.Type, r.Type) {
		return false
	}
	if m.Name != "" {
		if ok, _ := path.Match(strings.ToLower(m.Name), strings.ToLower(r.Name)); !ok {
			return false
		}
	}
	if m.Tag != "" {
		found := false
		for _, t := range r.Tags {
			if t == m.Tag {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (ig Ignore) record(r infra.DNSRecord) bool {
	for _, m := range ig.Records {
		if m.matches(r) {
			return true
		}
	}
	return false
}

func (ig Ignore) setting(id string) bool {
	for _, s := range ig.Settings {
		if s == id {
			return true
		}
	}
	return false
}

// Capture builds a baseline from a snapshot. Only completely fetched
// resources are captured: a partial fetch cannot describe a desired state.
func Capture(snap *infra.Snapshot, environments map[string]string, ignore Ignore) (*Baseline, error) {
	b := &Baseline{Version: 1, CapturedAt: snap.TakenAt.UTC(), Ignore: ignore, Zones: map[string]*BaselineZone{}}
	for _, z := range snap.Zones {
		for _, f := range []struct {
			name string
			f    *infra.Fetch
		}{{"DNS records", z.RecordsFetch}, {"settings", z.SettingsFetch}, {"firewall rules", z.FirewallFetch}, {"rate-limit rules", z.RateLimitFetch}, {"worker routes", z.RoutesFetch}} {
			if f.f != nil && !f.f.Complete {
				return nil, fmt.Errorf("cannot capture %s of %s: the fetch was incomplete (%s)", f.name, z.Name, f.f.Error)
			}
		}
		bz := &BaselineZone{Environment: environments[z.Name]}
		for _, r := range z.Records {
			if ignore.record(r) {
				continue
			}
			bz.Records = append(bz.Records, recordFromInfra(r))
		}
		sortRecords(bz.Records)
		if len(z.Settings) > 0 {
			bz.Settings = map[string]any{}
			for id, raw := range z.Settings {
				if ignore.setting(id) {
					continue
				}
				var v any
				if err := json.Unmarshal(raw, &v); err != nil {
					return nil, fmt.Errorf("setting %s of %s is not JSON: %w", id, z.Name, err)
				}
				bz.Settings[id] = v
			}
		}
		for _, r := range z.FirewallRules {
			bz.FirewallRules = append(bz.FirewallRules, ruleFromInfra(r))
		}
		for _, r := range z.RateLimitRules {
			bz.RateLimitRules = append(bz.RateLimitRules, ruleFromInfra(r))
		}
		for _, r := range z.Routes {
			bz.Routes = append(bz.Routes, Route{Pattern: r.Pattern, Script: r.Script})
		}
		sort.Slice(bz.Routes, func(i, j int) bool { return bz.Routes[i].Pattern < bz.Routes[j].Pattern })
		b.Zones[z.Name] = bz
	}
	return b, nil
}

func sortRecords(rs []Record) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Content < b.Content
	})
}

func recordFromInfra(r infra.DNSRecord) Record {
	return Record{ID: r.ID, Type: r.Type, Name: r.Name, Content: r.Content, TTL: r.TTL, Proxied: r.Proxied, Priority: r.Priority, Comment: r.Comment, Tags: r.Tags}
}

func (r Record) infra() infra.DNSRecord {
	return infra.DNSRecord{ID: r.ID, Type: r.Type, Name: r.Name, Content: r.Content, TTL: r.TTL, Proxied: r.Proxied, Priority: r.Priority, Comment: r.Comment, Tags: r.Tags}
}

func ruleFromInfra(r infra.Rule) Rule {
	return Rule{ID: r.ID, Ref: r.Ref, Description: r.Description, Expression: r.Expression, Action: r.Action, Enabled: r.Enabled, RateLimit: r.RateLimit}
}

func (r Rule) infra() infra.Rule {
	return infra.Rule{ID: r.ID, Ref: r.Ref, Description: r.Description, Expression: r.Expression, Action: r.Action, Enabled: r.Enabled, RateLimit: r.RateLimit}
}

// Marshal renders the baseline as YAML with a short header comment.
func (b *Baseline) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# driftdeck baseline: the desired configuration drift is measured against.\n")
	buf.WriteString("# Edit by hand or re-capture with `driftdeck baseline capture`; keep it in git.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("encode baseline: %w", err)
	}
	return buf.Bytes(), nil
}

// Load reads a baseline file; errors name the file and line.
func Load(file string) (*Baseline, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	return Parse(file, data)
}

// Parse decodes a baseline. Unknown fields are errors, so a typo does not
// silently drop part of the desired state.
func Parse(name string, data []byte) (*Baseline, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: %s", name, strings.Join(te.Errors, "; "))
		}
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if b.Version != 1 {
		return nil, fmt.Errorf("%s: version %d is not supported (expected 1)", name, b.Version)
	}
	if len(b.Zones) == 0 {
		return nil, fmt.Errorf("%s: no zones: capture one with `driftdeck baseline capture`", name)
	}
	for zname, z := range b.Zones {
		if z == nil {
			return nil, fmt.Errorf("%s: zone %s is empty", name, zname)
		}
		for i, r := range z.Records {
			if r.Type == "" || r.Name == "" {
				return nil, fmt.Errorf("%s: zone %s: record %d needs a type and a name", name, zname, i+1)
			}
		}
	}
	return &b, nil
}

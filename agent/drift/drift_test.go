package drift

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func complete() *infra.Fetch { return &infra.Fetch{Complete: true} }

func liveZone() infra.Zone {
	return infra.Zone{
		ID: "z1", Name: "example.com",
		Records: []infra.DNSRecord{
			{ID: "r1", Type: "A", Name: "example.com", Content: "192.0.2.1", TTL: 1, Proxied: true},
			{ID: "r2", Type: "CNAME", Name: "www.example.com", Content: "example.com", TTL: 1, Proxied: true},
			{ID: "r3", Type: "NS", Name: "example.com", Content: "ns1.example.net", TTL: 86400},
		},
		RecordsFetch:  complete(),
		Settings:      map[string]json.RawMessage{"security_level": json.RawMessage(`"medium"`), "min_tls_version": json.RawMessage(`"1.2"`)},
		SettingsFetch: complete(),
		FirewallRules: []infra.Rule{{ID: "f1", Description: "block bad bots", Expression: "cf.client.bot", Action: "block", Enabled: true}},
		FirewallFetch: complete(),
		RoutesFetch:   complete(),
	}
}

func snapshotOf(zs ...infra.Zone) *infra.Snapshot {
	return &infra.Snapshot{Zones: zs, ZonesFetch: infra.Fetch{Complete: true}}
}

func captured(t *testing.T) *Baseline {
	t.Helper()
	b, err := Capture(snapshotOf(liveZone()), map[string]string{"example.com": "production"}, Ignore{})
	if err != nil {
		t.Fatal(err)
	}
	// Round-trip through YAML: what is compared is what a file holds.
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b2, err := Parse("baseline.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return b2
}

func TestNoDriftAfterCapture(t *testing.T) {
	rep := Compare(captured(t), snapshotOf(liveZone()), nil)
	if rep.HasDrift() || rep.Incomplete() || rep.Compared == 0 {
		t.Fatalf("unexpected: %+v", rep)
	}
}

func TestDriftKindsAndSeverity(t *testing.T) {
	b := captured(t)
	z := liveZone()
	z.Records[1].Content = "evil.example.net"                                                                           // changed (same id)
	z.Records = z.Records[:2]                                                                                           // NS removed
	z.Records = append(z.Records, infra.DNSRecord{ID: "r9", Type: "TXT", Name: "x.example.com", Content: "hi", TTL: 1}) // added
	z.Settings["security_level"] = json.RawMessage(`"essentially_off"`)
	z.FirewallRules[0].Enabled = false
	rep := Compare(b, snapshotOf(z), nil)
	got := map[string]Finding{}
	for _, f := range rep.Findings {
		got[string(f.Kind)+" "+f.Key] = f
	}
	for key, sev := range map[string]Severity{
		"changed CNAME www.example.com": Medium,
		"removed NS example.com":        High,
		"added TXT x.example.com":       Medium,
		"changed security_level":        High,
		"changed block bad bots":        High,
	} {
		f, ok := got[key]
		if !ok {
			t.Errorf("missing finding %q; have %v", key, keys(got))
			continue
		}
		if f.Severity != sev {
			t.Errorf("%s: severity %s, want %s", key, f.Severity, sev)
		}
		if len(f.Revert) == 0 {
			t.Errorf("%s: no revert", key)
		}
	}
	if len(rep.Findings) != 5 {
		t.Errorf("%d findings, want exactly 5: %v", len(rep.Findings), keys(got))
	}
	if f := got["changed security_level"]; f.Revert[0].Kind != infra.SettingEdit || !strings.Contains(string(f.Revert[0].After), "medium") {
		t.Errorf("setting revert = %+v", f.Revert)
	}
	if f := got["changed block bad bots"]; f.Revert[0].Kind != infra.FirewallEnable {
		t.Errorf("rule revert = %+v", f.Revert[0])
	}
	if f := got["changed CNAME www.example.com"]; f.Revert[0].Kind != infra.DNSUpdate || f.Revert[0].Target != "r2" {
		t.Errorf("record revert = %+v", f.Revert[0])
	}
	// Ids are stable across runs.
	if again := Compare(b, snapshotOf(z), nil); again.Findings[0].ID != rep.Findings[0].ID {
		t.Error("finding ids are not stable")
	}
}

func TestRecordIdentitySurvivesNewIDs(t *testing.T) {
	b := captured(t)
	z := liveZone()
	for i := range z.Records {
		z.Records[i].ID = fmt.Sprintf("new-%d", i) // re-created by an import: new ids, same content
	}
	if rep := Compare(b, snapshotOf(z), nil); rep.HasDrift() {
		t.Fatalf("new ids reported as drift: %+v", rep.Findings)
	}
}

func TestFailedFetchIsUnknownNeverRemoved(t *testing.T) {
	b := captured(t)
	z := liveZone()
	z.Records = z.Records[:1] // a partial page
	z.RecordsFetch = &infra.Fetch{Complete: false, Error: "page 2: 500"}
	z.Settings = nil
	z.SettingsFetch = &infra.Fetch{Complete: false, Error: "timeout"}
	rep := Compare(b, snapshotOf(z), nil)
	for _, f := range rep.Findings {
		if f.Kind == Removed {
			t.Fatalf("failed fetch produced removed: %+v", f)
		}
	}
	if !rep.Incomplete() || rep.HasDrift() {
		t.Fatalf("want incomplete without drift: %+v", rep.Findings)
	}
	// A zone missing from an incomplete zone list is unknown too.
	rep = Compare(b, &infra.Snapshot{ZonesFetch: infra.Fetch{Error: "429"}}, nil)
	if len(rep.Findings) != 1 || rep.Findings[0].Kind != Unknown {
		t.Fatalf("missing zone: %+v", rep.Findings)
	}
}

func TestIgnoreRules(t *testing.T) {
	b := captured(t)
	b.Ignore = Ignore{Records: []RecordMatch{{Name: "_acme-challenge.*", Type: "TXT"}}, Settings: []string{"security_level"}}
	z := liveZone()
	z.Records = append(z.Records, infra.DNSRecord{ID: "a", Type: "TXT", Name: "_acme-challenge.example.com", Content: "tok", TTL: 1})
	z.Settings["security_level"] = json.RawMessage(`"high"`)
	if rep := Compare(b, snapshotOf(z), nil); rep.HasDrift() {
		t.Fatalf("ignored resources reported: %+v", rep.Findings)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	_, err := Parse("b.yaml", []byte("version: 1\nzones:\n  example.com:\n    records:\n      - type: A\n        nmae: x\n"))
	if err == nil || !strings.Contains(err.Error(), "b.yaml") || !strings.Contains(err.Error(), "line 6") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Parse("b.yaml", []byte("version: 2\nzones: {}\n")); err == nil {
		t.Fatal("version 2 accepted")
	}
}

func keys(m map[string]Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

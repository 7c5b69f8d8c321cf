package proposal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeLive is one zone held in memory; Apply changes it like the provider would.
type fakeLive struct {
	mu       sync.Mutex
	zone     infra.Zone
	applies  int
	applyErr error
}

func newFakeLive() *fakeLive {
	return &fakeLive{zone: infra.Zone{
		ID: "z1", Name: "example.com",
		Records:       []infra.DNSRecord{{ID: "r1", Type: "A", Name: "www.example.com", Content: "192.0.2.1", TTL: 300, Proxied: true}},
		Settings:      map[string]json.RawMessage{"ssl": json.RawMessage(`"full"`)},
		FirewallRules: []infra.Rule{{ID: "f1", Description: "block bad", Expression: `ip.src eq 198.51.100.7`, Action: "block", Enabled: true}},
	}}
}

func (l *fakeLive) Snapshot(ctx context.Context, scope infra.Scope) (*infra.Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	done := &infra.Fetch{Complete: true}
	b, _ := json.Marshal(l.zone)
	var z infra.Zone
	_ = json.Unmarshal(b, &z)
	z.RecordsFetch, z.SettingsFetch, z.FirewallFetch, z.RateLimitFetch, z.RoutesFetch = done, done, done, done, done
	return &infra.Snapshot{Zones: []infra.Zone{z}, ZonesFetch: infra.Fetch{Complete: true}, WorkersFetch: done}, nil
}

func (l *fakeLive) Apply(ctx context.Context, c infra.Change) (infra.ApplyResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.applies++
	if l.applyErr != nil {
		return infra.ApplyResult{}, l.applyErr
	}
	switch c.Kind {
	case infra.DNSUpdate:
		var r infra.DNSRecord
		if err := json.Unmarshal(c.After, &r); err != nil {
			return infra.ApplyResult{}, err
		}
		for i := range l.zone.Records {
			if l.zone.Records[i].ID == c.Target {
				r.ID = c.Target
				l.zone.Records[i] = r
				return infra.ApplyResult{Target: c.Target, After: c.After}, nil
			}
		}
		return infra.ApplyResult{}, errors.New("record not found")
	case infra.SettingEdit:
		var v infra.SettingValue
		if err := json.Unmarshal(c.After, &v); err != nil {
			return infra.ApplyResult{}, err
		}
		l.zone.Settings[v.ID] = v.Value
		return infra.ApplyResult{Target: v.ID}, nil
	}
	return infra.ApplyResult{}, fmt.Errorf("fake cannot apply %s", c.Kind)
}

func (l *fakeLive) setRecordContent(id, content string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.zone.Records {
		if l.zone.Records[i].ID == id {
			l.zone.Records[i].Content = content
		}
	}
}

func (l *fakeLive) applyCount() int { l.mu.Lock(); defer l.mu.Unlock(); return l.applies }

// fakeJournal records what was appended.
type fakeJournal struct {
	mu      sync.Mutex
	records []Record
}

func (j *fakeJournal) Append(ctx context.Context, r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.records = append(j.records, r)
	return nil
}

func (j *fakeJournal) types(subject string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, r := range j.records {
		if r.Subject == subject {
			out = append(out, r.Type)
		}
	}
	return out
}

type reviewerFunc func(ctx context.Context, request string, p *Proposal) (Review, error)

func (f reviewerFunc) Review(ctx context.Context, request string, p *Proposal) (Review, error) {
	return f(ctx, request, p)
}

func requireN(n int) PolicyFunc {
	return func(ctx context.Context, req PolicyRequest) (PolicyVerdict, error) {
		return PolicyVerdict{Decision: DecisionRequireApprovals, ApprovalsRequired: n, Reasons: []string{fmt.Sprintf("%d approvals for changes", n)}}, nil
	}
}

type harness struct {
	svc     *Service
	store   *Store
	live    *fakeLive
	journal *fakeJournal
	clock   *fakeClock
	path    string
}

func newHarness(t *testing.T, policy Policy, mod func(*Config)) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "proposals.db")
	return newHarnessAt(t, path, policy, newFakeLive(), mod)
}

func newHarnessAt(t *testing.T, path string, policy Policy, live *fakeLive, mod func(*Config)) *harness {
	t.Helper()
	ctx := context.Background()
	store, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{store: store, live: live, journal: &fakeJournal{}, clock: &fakeClock{now: time.Date(2025, 3, 1, 3, 0, 0, 0, time.UTC)}, path: path}
	cfg := Config{Store: store, Policy: policy, Journal: h.journal, Live: live, Clock: h.clock.Now, PollInterval: 20 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	svc, err := NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	return h
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// dnsDraft proposes moving www.example.com from 192.0.2.1 to 192.0.2.2.
func dnsDraft() Draft {
	before := infra.DNSRecord{ID: "r1", Type: "A", Name: "www.example.com", Content: "192.0.2.1", TTL: 300, Proxied: true}
	after := before
	after.Content = "192.0.2.2"
	return Draft{
		Title: "Point www at the new origin", Rationale: "old origin is failing", Tool: "change_dns_record",
		Effect: EffectWrite, Risk: RiskMedium,
		Changes: []infra.Change{{Kind: infra.DNSUpdate, Zone: "example.com", Target: "r1", Before: mustJSON(before), After: mustJSON(after)}},
	}
}

func (h *harness) propose(t *testing.T, d Draft) *Proposal {
	t.Helper()
	p, err := h.svc.Propose(context.Background(), d)
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	return p
}

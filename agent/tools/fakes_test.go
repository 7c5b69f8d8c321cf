package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

var testNow = time.Date(2025, 3, 1, 3, 12, 0, 0, time.UTC)

// fakeInfra serves a fixed account. It also has Apply, counting calls, so a
// test can prove that no tool ever reaches it.
type fakeInfra struct {
	mu        sync.Mutex
	snap      infra.Snapshot
	series    infra.Series
	events    []infra.AuditEvent
	snapshots int
	applies   int
}

func (f *fakeInfra) Snapshot(ctx context.Context, scope infra.Scope) (*infra.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapshots++
	b, _ := json.Marshal(f.snap)
	var s infra.Snapshot
	_ = json.Unmarshal(b, &s)
	if len(scope.Zones) > 0 {
		var zs []infra.Zone
		for _, z := range s.Zones {
			for _, want := range scope.Zones {
				if strings.EqualFold(z.Name, want) {
					zs = append(zs, z)
				}
			}
		}
		s.Zones = zs
	}
	return &s, nil
}

func (f *fakeInfra) Apply(ctx context.Context, c infra.Change) (infra.ApplyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applies++
	return infra.ApplyResult{}, fmt.Errorf("apply must not be called by tools")
}

func (f *fakeInfra) Traffic(ctx context.Context, zone string, from, to time.Time) (infra.Series, error) {
	return f.series, nil
}

func (f *fakeInfra) AuditEvents(ctx context.Context, since time.Time) ([]infra.AuditEvent, error) {
	return f.events, nil
}

func complete() *infra.Fetch { return &infra.Fetch{Complete: true} }

func newFakeInfra() *fakeInfra {
	return &fakeInfra{snap: infra.Snapshot{
		ZonesFetch:   infra.Fetch{Complete: true},
		WorkersFetch: complete(),
		Zones: []infra.Zone{{
			ID: "z1", Name: "example.com", Status: "active",
			Records: []infra.DNSRecord{
				{ID: "r1", Type: "A", Name: "www.example.com", Content: "192.0.2.1", TTL: 300, Proxied: true},
				{ID: "r2", Type: "TXT", Name: "example.com", Content: "v=spf1 -all", TTL: 1},
			},
			RecordsFetch:  complete(),
			Settings:      map[string]json.RawMessage{"security_level": json.RawMessage(`"medium"`), "browser_cache_ttl": json.RawMessage(`14400`)},
			SettingsFetch: complete(),
			FirewallRules: []infra.Rule{{ID: "f1", Description: "block scanner", Expression: "ip.src eq 198.51.100.7", Action: "block", Enabled: true}},
			FirewallFetch: complete(), RateLimitFetch: complete(), RoutesFetch: complete(),
		}},
	}}
}

// recordingProposer keeps drafts and answers like a pending card.
type recordingProposer struct {
	drafts []proposal.Draft
}

func (r *recordingProposer) Propose(ctx context.Context, d proposal.Draft) (*proposal.Proposal, error) {
	r.drafts = append(r.drafts, d)
	return &proposal.Proposal{ID: fmt.Sprintf("P-%d", len(r.drafts)), Title: d.Title, Status: proposal.StatusPending, Risk: d.Risk,
		Effect: d.Effect, ApprovalsRequired: 1, Policy: proposal.PolicyVerdict{Decision: proposal.DecisionAllow}}, nil
}

func newCatalog(t *testing.T, deps Deps) *Catalog {
	t.Helper()
	if deps.Clock == nil {
		deps.Clock = func() time.Time { return testNow }
	}
	c, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func call(t *testing.T, c *Catalog, name, args string) Result {
	t.Helper()
	res, err := c.Execute(context.Background(), llm.ToolCall{Name: name, Arguments: json.RawMessage(args)})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// realService is a proposal.Service on a temp SQLite file over live.
func realService(t *testing.T, live proposal.Live) *proposal.Service {
	t.Helper()
	store, err := proposal.OpenStore(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc, err := proposal.NewService(proposal.Config{Store: store, Live: live, Clock: func() time.Time { return testNow },
		Policy: proposal.PolicyFunc(func(ctx context.Context, req proposal.PolicyRequest) (proposal.PolicyVerdict, error) {
			if req.Effect == proposal.EffectDestructive {
				return proposal.PolicyVerdict{Decision: proposal.DecisionRequireApprovals, ApprovalsRequired: 2, Reasons: []string{"destructive"}}, nil
			}
			return proposal.PolicyVerdict{Decision: proposal.DecisionAllow, ApprovalsRequired: 1}, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

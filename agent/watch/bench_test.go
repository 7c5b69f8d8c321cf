package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/drift"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/internal/simtest"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

// BenchmarkWatchers runs the watchers with their production intervals
// (snapshot 5 min, audit tail 10 s, analytics 60 s) against the simulator,
// with time compressed tenfold on both sides (the simulator at --speed 10,
// every interval a tenth), for eleven simulated minutes. It makes
// out-of-band changes, reports how long each took to show up as drift, and
// what the watchers cost in steady state, in API calls per simulated
// minute, measured over ten minutes that hold two full snapshots. Run with
// -benchtime 1x.
func BenchmarkWatchers(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runWatchers(b)
	}
}

func runWatchers(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc, err := cfsim.BuiltinScenario("incident")
	if err != nil {
		b.Fatal(err)
	}
	sc.Events = nil // only this benchmark's changes
	const speed = 10
	srv, cf := simtest.Start(b, sc, cfsim.Options{Speed: speed})
	snap, err := cf.Snapshot(ctx, infra.Scope{})
	if err != nil {
		b.Fatal(err)
	}
	base, err := drift.Capture(snap, nil, drift.Ignore{})
	if err != nil {
		b.Fatal(err)
	}
	bs := bus.New()
	sub := bs.Subscribe(TopicDrift)
	w := New(Config{Baseline: base, Now: srv.Now,
		SnapshotInterval: 5 * time.Minute / speed, AuditInterval: 10 * time.Second / speed,
		TrafficInterval: time.Minute / speed}, cf, bs, nil)
	start := srv.Now()
	go w.Run(ctx)
	simSleep := func(until time.Duration) {
		if d := (until - srv.Now().Sub(start)) / speed; d > 0 {
			time.Sleep(d)
		}
	}

	// Warm-up: the first snapshot and the analytics backfill.
	simSleep(time.Minute)
	rest0, gql0 := simCalls(b, srv)
	f := &fixture{srv: srv, cf: cf}
	var latencies []time.Duration
	for n := 0; n < 6; n++ {
		// Changes at varying offsets from the 10 s tail cadence.
		simSleep(time.Minute + time.Duration(n)*47*time.Second)
		content := fmt.Sprintf("\"v=bench%d\"", n)
		changed := srv.Now()
		f.addTXT(b, content)
		if !waitForDrift(ctx, sub, content, 10*time.Second) {
			b.Fatalf("change %d never showed up as drift", n)
		}
		latencies = append(latencies, srv.Now().Sub(changed))
	}
	simSleep(11 * time.Minute)
	rest1, gql1 := simCalls(b, srv)
	elapsed := 10.0 // simulated minutes between the two counts
	restPerMin := float64(rest1-rest0) / elapsed
	gqlPerMin := float64(gql1-gql0) / elapsed
	var sum, worst time.Duration
	for _, l := range latencies {
		sum += l
		worst = max(worst, l)
	}
	b.ReportMetric(sum.Seconds()/float64(len(latencies)), "detect-avg-sim-s")
	b.ReportMetric(worst.Seconds(), "detect-max-sim-s")
	b.ReportMetric(restPerMin, "rest-calls/min")
	b.ReportMetric(gqlPerMin, "graphql-calls/min")
	// Cloudflare's REST budget is 1200 per 5 minutes; GraphQL analytics has
	// its own (300 queries per 5 minutes).
	b.ReportMetric(100*restPerMin*5/1200, "%rest-budget")
	b.ReportMetric(100*gqlPerMin*5/300, "%graphql-budget")
}

// addTXT creates a TXT record out of band, as a dashboard user would.
func (f *fixture) addTXT(tb testing.TB, content string) {
	tb.Helper()
	after, _ := json.Marshal(infra.DNSRecord{Type: "TXT", Name: "bench.example.com", Content: content, TTL: 1})
	body, _ := json.Marshal(map[string]any{"actor": "alice@example.com", "change": infra.Change{Kind: infra.DNSCreate, Zone: "example.com", Target: "bench.example.com", After: after}})
	resp, err := http.Post(f.srv.ControlURL()+"/mutate", "application/json", strings.NewReader(string(body)))
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("mutate: %d", resp.StatusCode)
	}
}

func waitForDrift(ctx context.Context, sub *bus.Subscription, content string, limit time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		e, ok := sub.Next(ctx)
		if !ok {
			return false
		}
		for _, f := range e.Payload.(DriftState).Report.Findings {
			if strings.Contains(string(f.Live), strings.ReplaceAll(content, `"`, `\"`)) {
				return true
			}
		}
	}
}

// simCalls reads the simulator's request counters: REST and GraphQL.
func simCalls(tb testing.TB, srv *cfsim.Server) (rest, graphql int) {
	resp, err := http.Get(srv.ControlURL() + "/stats")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Routes map[string]map[string]int `json:"routes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		tb.Fatal(err)
	}
	for route, byToken := range st.Routes {
		for _, n := range byToken {
			if strings.HasSuffix(route, "/graphql") {
				graphql += n
			} else {
				rest += n
			}
		}
	}
	return rest, graphql
}

package cloudflare

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// reread snapshots one zone's resources again, as the engine does after a change.
func reread(t *testing.T, c *Client, zone string, res ...infra.Resource) infra.Zone {
	t.Helper()
	snap, err := c.Snapshot(context.Background(), infra.Scope{Zones: []string{zone}, Resources: res})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Zones) != 1 {
		t.Fatalf("re-read of %s: %+v", zone, snap.ZonesFetch)
	}
	return snap.Zones[0]
}

func apply(t *testing.T, c *Client, ch infra.Change) infra.ApplyResult {
	t.Helper()
	res, err := c.Apply(context.Background(), ch)
	if err != nil {
		t.Fatalf("%s: %v", ch.Kind, err)
	}
	return res
}

func TestSimApplyDNSAndSettings(t *testing.T) {
	srv, clock := startIncident(t)
	c := contractClient(t, srv, clock, "sandbox-write")

	created := apply(t, c, infra.Change{Kind: infra.DNSCreate, Zone: "example.com",
		After: mustJSON(t, infra.DNSRecord{Type: "A", Name: "canary.example.com", Content: "192.0.2.77", TTL: 300})})
	if created.Target == "" {
		t.Fatal("a create returns the new id")
	}
	find := func(z infra.Zone, id string) (infra.DNSRecord, bool) {
		for _, r := range z.Records {
			if r.ID == id {
				return r, true
			}
		}
		return infra.DNSRecord{}, false
	}
	z := reread(t, c, "example.com", infra.ResDNSRecords)
	if r, ok := find(z, created.Target); !ok || r.Content != "192.0.2.77" || r.TTL != 300 {
		t.Fatalf("created record not in the re-read: %+v", r)
	}

	apply(t, c, infra.Change{Kind: infra.DNSUpdate, Zone: "example.com", Target: created.Target,
		After: mustJSON(t, infra.DNSRecord{Type: "A", Name: "canary.example.com", Content: "192.0.2.78", TTL: 600, Proxied: true, Comment: "moved"})})
	z = reread(t, c, "example.com", infra.ResDNSRecords)
	if r, _ := find(z, created.Target); r.Content != "192.0.2.78" || !r.Proxied || r.Comment != "moved" {
		t.Fatalf("updated record = %+v", r)
	}

	apply(t, c, infra.Change{Kind: infra.DNSDelete, Zone: "example.com", Target: created.Target})
	z = reread(t, c, "example.com", infra.ResDNSRecords)
	if _, ok := find(z, created.Target); ok || len(z.Records) != 13 {
		t.Fatalf("deleted record still there (%d records)", len(z.Records))
	}

	res := apply(t, c, infra.Change{Kind: infra.SettingEdit, Zone: "example.com", Target: "security_level",
		After: mustJSON(t, infra.SettingValue{ID: "security_level", Value: json.RawMessage(`"under_attack"`)})})
	if res.Target != "security_level" {
		t.Fatalf("setting result = %+v", res)
	}
	z = reread(t, c, "example.com", infra.ResSettings)
	if string(z.Settings["security_level"]) != `"under_attack"` {
		t.Fatalf("security_level = %s", z.Settings["security_level"])
	}
}

func TestSimApplyRules(t *testing.T) {
	srv, clock := startIncident(t)
	c := contractClient(t, srv, clock, "sandbox-write")
	rule := infra.Rule{Description: "Block a scanner", Expression: `(http.user_agent contains "masscan")`, Action: "block"}
	create := infra.Change{Kind: infra.FirewallCreate, Zone: "example.com", After: mustJSON(t, rule)}
	created := apply(t, c, create)
	again := apply(t, c, create)
	z := reread(t, c, "example.com", infra.ResFirewallRules)
	if len(z.FirewallRules) != 4 || again.Target != created.Target {
		t.Fatalf("after create (twice): %d rules, ids %s %s", len(z.FirewallRules), created.Target, again.Target)
	}

	rule.Expression = `(http.user_agent contains "zgrab")`
	apply(t, c, infra.Change{Kind: infra.FirewallUpdate, Zone: "example.com", Target: created.Target, After: mustJSON(t, rule)})
	apply(t, c, infra.Change{Kind: infra.FirewallDisable, Zone: "example.com", Target: created.Target})
	z = reread(t, c, "example.com", infra.ResFirewallRules)
	got := z.FirewallRules[3]
	if got.ID != created.Target || got.Expression != rule.Expression || got.Enabled {
		t.Fatalf("after update+disable: %+v", got)
	}
	apply(t, c, infra.Change{Kind: infra.FirewallEnable, Zone: "example.com", Target: created.Target})
	z = reread(t, c, "example.com", infra.ResFirewallRules)
	if !z.FirewallRules[3].Enabled {
		t.Fatal("enable did not land")
	}
	apply(t, c, infra.Change{Kind: infra.FirewallDelete, Zone: "example.com", Target: created.Target})
	z = reread(t, c, "example.com", infra.ResFirewallRules)
	if len(z.FirewallRules) != 3 {
		t.Fatalf("after delete: %d rules", len(z.FirewallRules))
	}

	// example.net has no rate-limit entrypoint yet: the first rule creates it.
	rl := infra.Rule{Description: "Limit login", Expression: `(http.request.uri.path eq "/login")`, Action: "block",
		RateLimit: &infra.RateLimit{Period: 60, RequestsPerPeriod: 20, MitigationTimeout: 600}}
	res := apply(t, c, infra.Change{Kind: infra.RateLimitAdd, Zone: "example.net", After: mustJSON(t, rl)})
	z = reread(t, c, "example.net", infra.ResRateLimitRules)
	if z.RateLimitRulesetID == "" || len(z.RateLimitRules) != 1 || z.RateLimitRules[0].ID != res.Target {
		t.Fatalf("rate-limit rules = %+v", z.RateLimitRules)
	}
	if got := z.RateLimitRules[0].RateLimit; got == nil || got.RequestsPerPeriod != 20 || len(got.Characteristics) == 0 {
		t.Fatalf("ratelimit = %+v", got)
	}
}

func TestSimApplyPurgeAndWorker(t *testing.T) {
	srv, clock := startIncident(t)
	c := contractClient(t, srv, clock, "sandbox-write")
	for _, p := range []infra.PurgeRequest{{Everything: true}, {URLs: []string{"https://example.com/a.css"}}, {Tags: []string{"product-42"}}} {
		res := apply(t, c, infra.Change{Kind: infra.CachePurge, Zone: "example.com", After: mustJSON(t, p)})
		if res.Target == "" {
			t.Fatalf("purge %+v: no purge id", p)
		}
	}
	dep := infra.WorkerDeployment{ScriptName: "maintenance", Source: "export default { fetch() { return new Response('down for maintenance', {status: 503}) } }", RoutePattern: "example.com/maintenance/*"}
	res := apply(t, c, infra.Change{Kind: infra.WorkerDeploy, Zone: "example.com", Target: "maintenance", After: mustJSON(t, dep)})
	var after infra.WorkerDeployment
	_ = json.Unmarshal(res.After, &after)
	if res.Target != "maintenance" || after.Etag == "" || after.RoutePattern != dep.RoutePattern {
		t.Fatalf("deploy result = %+v %+v", res, after)
	}
	// Deploying again routes nothing new.
	apply(t, c, infra.Change{Kind: infra.WorkerDeploy, Zone: "example.com", Target: "maintenance", After: mustJSON(t, dep)})
	snap, err := c.Snapshot(context.Background(), infra.Scope{Zones: []string{"example.com"}, Resources: []infra.Resource{infra.ResWorkerScripts, infra.ResWorkerRoutes}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.WorkerScripts) != 2 {
		t.Fatalf("scripts = %+v", snap.WorkerScripts)
	}
	routes := snap.Zones[0].Routes
	if len(routes) != 2 || routes[1].Pattern != dep.RoutePattern || routes[1].Script != "maintenance" {
		t.Fatalf("routes = %+v", routes)
	}
}

package cfsim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/accounts"
	"github.com/cloudflare/cloudflare-go/v7/cache"
	"github.com/cloudflare/cloudflare-go/v7/rulesets"
	"github.com/cloudflare/cloudflare-go/v7/workers"
)

func TestSDKRulesets(t *testing.T) {
	s, _ := startSim(t, Options{})
	ctx := context.Background()
	org := zoneID(t, s, "example.org")
	phases := rulesets.NewPhaseService(sdkOpts(s, writeTok)...)

	var get rulesets.PhaseGetParams
	set(&get.ZoneID, org)
	_, err := phases.Get(ctx, rulesets.PhaseHTTPRequestFirewallCustom, get)
	if status, code := apiCode(t, err); status != http.StatusNotFound || code != codeNotFound {
		t.Fatalf("missing entrypoint: %d/%d", status, code)
	}

	var rule rulesets.BlockRuleParam
	set(&rule.Action, rulesets.BlockRuleActionBlock)
	set(&rule.Expression, `(http.request.uri.path eq "/wp-login.php")`)
	set(&rule.Description, "Block WordPress probes")
	set(&rule.Enabled, true)
	var upd rulesets.PhaseUpdateParams
	set(&upd.ZoneID, org)
	set(&upd.Rules, []rulesets.PhaseUpdateParamsRuleUnion{rule})
	created, err := phases.Update(ctx, rulesets.PhaseHTTPRequestFirewallCustom, upd)
	if err != nil {
		t.Fatal(err)
	}
	if len(created.Rules) != 1 || created.Rules[0].ID == "" || created.Version != "1" {
		t.Fatalf("entrypoint after PUT: version %s rules %+v", created.Version, created.Rules)
	}

	rules := rulesets.NewRuleService(sdkOpts(s, writeTok)...)
	var add rulesets.RuleNewParams
	set(&add.ZoneID, org)
	var body rulesets.RuleNewParamsBody
	set(&body.Action, rulesets.RuleNewParamsBodyActionManagedChallenge)
	set(&body.Expression, `(ip.src.country eq "T1")`)
	set(&body.Description, "Challenge Tor")
	add.Body = body
	added, err := rules.New(ctx, created.ID, add)
	if err != nil {
		t.Fatal(err)
	}
	if len(added.Rules) != 2 || added.Version != "2" {
		t.Fatalf("after adding a rule: version %s, %d rules", added.Version, len(added.Rules))
	}

	var edit rulesets.RuleEditParams
	set(&edit.ZoneID, org)
	var eb rulesets.RuleEditParamsBody
	set(&eb.Enabled, false)
	edit.Body = eb
	edited, err := rules.Edit(ctx, created.ID, added.Rules[1].ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Rules[1].Enabled || edited.Rules[1].Expression != `(ip.src.country eq "T1")` || edited.Version != "3" {
		t.Fatalf("PATCH rule: %+v version %s", edited.Rules[1], edited.Version)
	}

	// A rate-limit rule without cf.colo.id is refused like the real API does.
	var bad rulesets.BlockRuleParam
	set(&bad.Action, rulesets.BlockRuleActionBlock)
	set(&bad.Expression, `(http.request.uri.path eq "/api")`)
	var rl rulesets.BlockRuleRatelimitParam
	set(&rl.Characteristics, []string{"ip.src"})
	set(&rl.Period, int64(60))
	set(&rl.RequestsPerPeriod, int64(10))
	set(&bad.Ratelimit, rl)
	var rlUpd rulesets.PhaseUpdateParams
	set(&rlUpd.ZoneID, org)
	set(&rlUpd.Rules, []rulesets.PhaseUpdateParamsRuleUnion{bad})
	_, err = phases.Update(ctx, rulesets.PhaseHTTPRatelimit, rlUpd)
	if status, code := apiCode(t, err); status != http.StatusBadRequest || code != codeRulesetInvalid {
		t.Fatalf("bad ratelimit rule: %d/%d", status, code)
	}
	// The existing ratelimit entrypoint is unchanged.
	set(&get.ZoneID, org)
	rlGot, err := phases.Get(ctx, rulesets.PhaseHTTPRatelimit, get)
	if err != nil || len(rlGot.Rules) != 1 || !strings.Contains(rlGot.Rules[0].JSON.RawJSON(), `"requests_per_period":50`) {
		t.Fatalf("ratelimit entrypoint after a refused PUT: %+v, %v", rlGot, err)
	}
}

// namedReader gives an uploaded part a file name and content type.
type namedReader struct {
	io.Reader
	name, ctype string
}

func (n namedReader) Filename() string    { return n.name }
func (n namedReader) ContentType() string { return n.ctype }

func TestSDKWorkersAndPurge(t *testing.T) {
	s, _ := startSim(t, Options{})
	ctx := context.Background()
	com := zoneID(t, s, "example.com")
	scripts := workers.NewScriptService(sdkOpts(s, writeTok)...)
	src := "export default { fetch() { return new Response('hi') } }"

	var up workers.ScriptUpdateParams
	set(&up.AccountID, s.AccountID())
	var meta workers.ScriptUpdateParamsMetadata
	set(&meta.MainModule, "index.js")
	set(&up.Metadata, meta)
	set(&up.Files, []io.Reader{namedReader{strings.NewReader(src), "index.js", "application/javascript+module"}})
	res, err := scripts.Update(ctx, "hello-worker", up)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "hello-worker" || res.Etag == "" {
		t.Fatalf("upload result %+v", res)
	}
	var g workers.ScriptGetParams
	set(&g.AccountID, s.AccountID())
	content, err := scripts.Get(ctx, "hello-worker", g)
	if err != nil || content == nil || *content != src {
		t.Fatalf("script content %v, %v", content, err)
	}

	routes := workers.NewRouteService(sdkOpts(s, writeTok)...)
	var rp workers.RouteNewParams
	set(&rp.ZoneID, com)
	set(&rp.Pattern, "example.com/hello/*")
	set(&rp.Script, "hello-worker")
	route, err := routes.New(ctx, rp)
	if err != nil || route.ID == "" {
		t.Fatalf("route: %+v %v", route, err)
	}
	set(&rp.Pattern, "example.org/hello/*")
	_, err = routes.New(ctx, rp)
	if status, _ := apiCode(t, err); status != http.StatusBadRequest {
		t.Fatalf("route outside the zone: status %d", status)
	}

	purge := cache.NewCacheService(sdkOpts(s, writeTok)...)
	var pp cache.CachePurgeParams
	set(&pp.ZoneID, com)
	var everything cache.CachePurgeParamsBodyCachePurgeEverything
	set(&everything.PurgeEverything, true)
	pp.Body = everything
	if _, err := purge.Purge(ctx, pp); err != nil {
		t.Fatal(err)
	}
	var tags cache.CachePurgeParamsBodyCachePurgeFlexPurgeByTags
	set(&tags.Tags, []string{})
	pp.Body = tags
	_, err = purge.Purge(ctx, pp)
	if _, code := apiCode(t, err); code != codePurgeInvalid {
		t.Fatalf("empty purge: code %d", code)
	}

	// Every change above is in the audit log, newest first.
	logs := accounts.NewLogAuditService(sdkOpts(s, writeTok)...)
	var lp accounts.LogAuditListParams
	set(&lp.AccountID, s.AccountID())
	set(&lp.Since, testStart.Add(-24*time.Hour))
	set(&lp.Before, testStart.Add(48*time.Hour))
	page, err := logs.List(ctx, lp)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range page.Result {
		types = append(types, e.Resource.Type+"/"+e.Action.Type+"/"+e.Actor.TokenName)
	}
	want := "cache.purge/create/sandbox-write,workers.route/create/sandbox-write,workers.script/create/sandbox-write"
	if strings.Join(types, ",") != want {
		t.Fatalf("audit log %v, want %s", types, want)
	}
}

func TestAuditCursorPaging(t *testing.T) {
	s, clock := startSim(t, Options{})
	com := zoneID(t, s, "example.com")
	for i := range 7 {
		clock.Advance(time.Second)
		code, _, body := doJSON(t, "PATCH", s.BaseURL()+"/zones/"+com+"/settings/browser_cache_ttl", writeTok, map[string]any{"value": 3600 * (i + 1)})
		if code != 200 {
			t.Fatalf("patch setting: %d %v", code, body)
		}
	}
	q := url.Values{"since": {"2026-11-23"}, "before": {"2026-11-25"}, "limit": {"3"}, "direction": {"asc"}, "resource_type": {"zone.setting"}}
	var values []float64
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("cursor paging does not end")
		}
		code, _, body := doJSON(t, "GET", s.BaseURL()+"/accounts/"+s.AccountID()+"/logs/audit?"+q.Encode(), writeTok, nil)
		if code != 200 {
			t.Fatalf("audit: %d %v", code, body)
		}
		info := body["result_info"].(map[string]any)
		for _, e := range body["result"].([]any) {
			resp := e.(map[string]any)["resource"].(map[string]any)["response"].(map[string]any)
			values = append(values, resp["after"].(map[string]any)["value"].(float64))
		}
		if _, isString := info["count"].(string); !isString {
			t.Fatalf("result_info.count must be a string per the spec: %v", info)
		}
		cursor, _ := info["cursor"].(string)
		if cursor == "" {
			break
		}
		q.Set("cursor", cursor)
	}
	if len(values) != 7 || values[0] != 3600 || values[6] != 7*3600 {
		t.Fatalf("paged audit values %v", values)
	}
}

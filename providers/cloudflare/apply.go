package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cloudflare/cloudflare-go/v7/cache"
	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Apply executes one change and returns the affected resource's id and its
// state afterwards. Writes are never resent blindly: naturally idempotent
// ones (PATCH, PUT, delete, purge) are retried, creations only after checking
// that the failed attempt did not land.
func (c *Client) Apply(ctx context.Context, ch infra.Change) (infra.ApplyResult, error) {
	res, err := c.apply(ctx, ch)
	if err != nil {
		return infra.ApplyResult{}, fmt.Errorf("apply %s to %s: %w", ch.Kind, describeTarget(ch), err)
	}
	return res, nil
}

func describeTarget(ch infra.Change) string {
	switch {
	case ch.Zone != "" && ch.Target != "":
		return ch.Target + " in " + ch.Zone
	case ch.Zone != "":
		return ch.Zone
	case ch.Target != "":
		return ch.Target
	}
	return "an unnamed target"
}

func (c *Client) apply(ctx context.Context, ch infra.Change) (infra.ApplyResult, error) {
	if ch.Kind == infra.WorkerDeploy {
		return c.deployWorker(ctx, ch)
	}
	zoneID, err := c.zoneID(ctx, ch.Zone)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	z := apiZone{ID: zoneID, Name: ch.Zone}
	switch ch.Kind {
	case infra.DNSCreate:
		return c.createRecord(ctx, z, ch)
	case infra.DNSUpdate:
		return c.updateRecord(ctx, z, ch)
	case infra.DNSDelete:
		return c.deleteRecord(ctx, z, ch)
	case infra.SettingEdit:
		return c.editSetting(ctx, z, ch)
	case infra.FirewallCreate:
		return c.createRule(ctx, z, ch, phaseFirewall)
	case infra.RateLimitAdd:
		return c.createRule(ctx, z, ch, phaseRateLimit)
	case infra.FirewallUpdate, infra.FirewallEnable, infra.FirewallDisable:
		return c.editRule(ctx, z, ch)
	case infra.FirewallDelete:
		return c.deleteRule(ctx, z, ch)
	case infra.CachePurge:
		return c.purgeCache(ctx, z, ch)
	}
	return infra.ApplyResult{}, fmt.Errorf("unknown change kind %q", ch.Kind)
}

func decodeAfter[T any](ch infra.Change) (T, error) {
	var v T
	if len(ch.After) == 0 {
		return v, fmt.Errorf("the change has no after-state")
	}
	if err := json.Unmarshal(ch.After, &v); err != nil {
		return v, fmt.Errorf("the change's after-state is not a valid %T: %w", v, err)
	}
	return v, nil
}

func result(target string, after any) infra.ApplyResult {
	b, err := json.Marshal(after)
	if err != nil {
		return infra.ApplyResult{Target: target}
	}
	return infra.ApplyResult{Target: target, After: b}
}

// recordBody is what DNS create/edit send: explicit fields, so "proxied":
// false and an emptied comment reach the API instead of being omitted.
type recordBody struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	Content  string   `json:"content"`
	TTL      int      `json:"ttl"`
	Proxied  bool     `json:"proxied"`
	Priority *int     `json:"priority,omitempty"`
	Comment  string   `json:"comment"`
	Tags     []string `json:"tags,omitempty"`
}

func newRecordBody(r infra.DNSRecord) recordBody {
	ttl := r.TTL
	if ttl <= 0 {
		ttl = 1 // "automatic"
	}
	return recordBody{Type: r.Type, Name: r.Name, Content: r.Content, TTL: ttl, Proxied: r.Proxied, Priority: r.Priority, Comment: r.Comment, Tags: r.Tags}
}

type recordEnvelope struct {
	Result apiRecord `json:"result"`
}

func (c *Client) createRecord(ctx context.Context, z apiZone, ch infra.Change) (infra.ApplyResult, error) {
	want, err := decodeAfter[infra.DNSRecord](ch)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	body, err := jsonBody(newRecordBody(want))
	if err != nil {
		return infra.ApplyResult{}, err
	}
	var params dns.RecordNewParams
	params.ZoneID.Value = z.ID
	params.Body = dns.RecordNewParamsBody{}
	do := func(ctx context.Context) (infra.ApplyResult, error) {
		var env recordEnvelope
		if _, err := c.records.New(ctx, params, body, option.WithResponseBodyInto(&env)); err != nil {
			return infra.ApplyResult{}, err
		}
		rec := env.Result.infra()
		return result(rec.ID, rec), nil
	}
	// A create that timed out or got a 5xx may have landed: look for the same
	// type+name+content before sending it again.
	landed := func(ctx context.Context) (infra.ApplyResult, bool, error) {
		filter := url.Values{"type": {want.Type}, "name.exact": {want.Name}}
		recs, err := c.findRecords(ctx, z, filter)
		if err != nil {
			return infra.ApplyResult{}, false, err
		}
		for _, r := range recs {
			if r.Type == want.Type && r.Name == want.Name && r.Content == want.Content {
				return result(r.ID, r), true, nil
			}
		}
		return infra.ApplyResult{}, false, nil
	}
	return c.write(ctx, "create DNS record in "+z.Name, do, landed)
}

func (c *Client) updateRecord(ctx context.Context, z apiZone, ch infra.Change) (infra.ApplyResult, error) {
	want, err := decodeAfter[infra.DNSRecord](ch)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	id := ch.Target
	if id == "" {
		id = want.ID
	}
	if id == "" {
		return infra.ApplyResult{}, fmt.Errorf("the change names no record id")
	}
	body, err := jsonBody(newRecordBody(want))
	if err != nil {
		return infra.ApplyResult{}, err
	}
	var params dns.RecordEditParams
	params.ZoneID.Value = z.ID
	params.Body = dns.RecordEditParamsBody{}
	// PATCH with the full after-state: repeating it is harmless.
	return c.write(ctx, "update DNS record "+id+" in "+z.Name, func(ctx context.Context) (infra.ApplyResult, error) {
		var env recordEnvelope
		if _, err := c.records.Edit(ctx, id, params, body, option.WithResponseBodyInto(&env)); err != nil {
			return infra.ApplyResult{}, err
		}
		rec := env.Result.infra()
		return result(rec.ID, rec), nil
	}, nil)
}

func (c *Client) deleteRecord(ctx context.Context, z apiZone, ch infra.Change) (infra.ApplyResult, error) {
	id := ch.Target
	if id == "" {
		return infra.ApplyResult{}, fmt.Errorf("the change names no record id")
	}
	var params dns.RecordDeleteParams
	params.ZoneID.Value = z.ID
	do := func(ctx context.Context) (infra.ApplyResult, error) {
		var env struct{}
		_, err := c.records.Delete(ctx, id, params, option.WithResponseBodyInto(&env))
		return infra.ApplyResult{Target: id}, err
	}
	landed := func(ctx context.Context) (infra.ApplyResult, bool, error) {
		var getParams dns.RecordGetParams
		getParams.ZoneID.Value = z.ID
		err := c.read(ctx, "look up DNS record "+id+" in "+z.Name, func(ctx context.Context) error {
			var env struct{}
			_, e := c.records.Get(ctx, id, getParams, option.WithResponseBodyInto(&env))
			return e
		})
		if isStatus(err, http.StatusNotFound) {
			return infra.ApplyResult{Target: id}, true, nil
		}
		return infra.ApplyResult{}, false, err
	}
	return c.write(ctx, "delete DNS record "+id+" in "+z.Name, do, landed)
}

func (c *Client) editSetting(ctx context.Context, z apiZone, ch infra.Change) (infra.ApplyResult, error) {
	want, err := decodeAfter[infra.SettingValue](ch)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	id := want.ID
	if id == "" {
		id = ch.Target
	}
	if id == "" || len(want.Value) == 0 {
		return infra.ApplyResult{}, fmt.Errorf("the change names no setting or no value")
	}
	// Raw PATCH: the SDK's per-setting union types would need one branch per setting id.
	path := "/zones/" + url.PathEscape(z.ID) + "/settings/" + url.PathEscape(id)
	body := map[string]json.RawMessage{"value": want.Value}
	return c.write(ctx, "edit setting "+id+" of "+z.Name, func(ctx context.Context) (infra.ApplyResult, error) {
		env, err := c.rawV4(ctx, http.MethodPatch, path, nil, body)
		if err != nil {
			return infra.ApplyResult{}, err
		}
		var got infra.SettingValue
		if err := json.Unmarshal(env.Result, &got); err != nil || got.ID == "" {
			got = infra.SettingValue{ID: id, Value: want.Value}
		}
		return result(id, got), nil
	}, nil)
}

func (c *Client) purgeCache(ctx context.Context, z apiZone, ch infra.Change) (infra.ApplyResult, error) {
	req, err := decodeAfter[infra.PurgeRequest](ch)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	var payload any
	switch {
	case req.Everything:
		payload = map[string]bool{"purge_everything": true}
	case len(req.URLs) > 0:
		payload = map[string][]string{"files": req.URLs}
	case len(req.Tags) > 0:
		payload = map[string][]string{"tags": req.Tags}
	default:
		return infra.ApplyResult{}, fmt.Errorf("the purge names neither everything, URLs nor tags")
	}
	body, err := jsonBody(payload)
	if err != nil {
		return infra.ApplyResult{}, err
	}
	var params cache.CachePurgeParams
	params.ZoneID.Value = z.ID
	params.Body = cache.CachePurgeParamsBody{}
	// Purging twice is harmless, so it is simply retried.
	return c.write(ctx, "purge cache of "+z.Name, func(ctx context.Context) (infra.ApplyResult, error) {
		var env struct {
			Result struct {
				ID string `json:"id"`
			} `json:"result"`
		}
		if _, err := c.cacheSvc.Purge(ctx, params, body, option.WithResponseBodyInto(&env)); err != nil {
			return infra.ApplyResult{}, err
		}
		return result(env.Result.ID, req), nil
	}, nil)
}

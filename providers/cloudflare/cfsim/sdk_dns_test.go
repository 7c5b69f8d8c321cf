package cfsim

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/shared"
	"github.com/cloudflare/cloudflare-go/v7/zones"
)

// set fills an SDK param.Field (whose type is internal to the SDK) with v.
func set(field any, v any) {
	f := reflect.ValueOf(field).Elem()
	f.FieldByName("Value").Set(reflect.ValueOf(v))
	f.FieldByName("Present").SetBool(true)
}

// apiCode extracts the first Cloudflare error code of an SDK error.
func apiCode(t *testing.T, err error) (status, code int) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an API error, got none")
	}
	// The SDK's *apierror.Error lives in an internal package; read it by reflection.
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || !v.Elem().FieldByName("StatusCode").IsValid() {
		t.Fatalf("expected an *apierror.Error, got %T: %v", err, err)
	}
	status = int(v.Elem().FieldByName("StatusCode").Int())
	errs := v.Elem().FieldByName("Errors")
	if errs.Len() > 0 {
		code = int(errs.Index(0).FieldByName("Code").Int())
	}
	return status, code
}

func newARecord(name, content string, ttl float64) dns.ARecordParam {
	var p dns.ARecordParam
	set(&p.Name, name)
	set(&p.Content, content)
	set(&p.TTL, dns.TTL(ttl))
	set(&p.Type, dns.ARecordTypeA)
	return p
}

func TestSDKDNSRecordsLifecycle(t *testing.T) {
	s, _ := startSim(t, Options{})
	ctx := context.Background()
	zid := zoneID(t, s, "example.com")
	svc := dns.NewRecordService(sdkOpts(s, writeTok)...)

	// Create enough records to need several pages.
	for i := range 25 {
		var p dns.RecordNewParams
		set(&p.ZoneID, zid)
		p.Body = newARecord(fmt.Sprintf("host%02d", i), fmt.Sprintf("192.0.2.%d", i+1), 300)
		rec, err := svc.New(ctx, p)
		if err != nil {
			t.Fatalf("create record %d: %v", i, err)
		}
		if rec.Name != fmt.Sprintf("host%02d.example.com", i) {
			t.Fatalf("relative name not qualified: %q", rec.Name)
		}
	}

	var list dns.RecordListParams
	set(&list.ZoneID, zid)
	set(&list.PerPage, float64(7))
	pager := svc.ListAutoPaging(ctx, list)
	seen := map[string]bool{}
	for pager.Next() {
		r := pager.Current()
		if seen[r.ID] {
			t.Fatalf("record %s listed twice across pages", r.ID)
		}
		seen[r.ID] = true
	}
	if err := pager.Err(); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	want := len(s.st.zoneByID(zid).Records)
	s.mu.Unlock()
	if len(seen) != want {
		t.Fatalf("auto-pager saw %d records, zone has %d", len(seen), want)
	}

	// Filters as the SDK sends them.
	var byName dns.RecordListParams
	set(&byName.ZoneID, zid)
	var nameFilter dns.RecordListParamsName
	set(&nameFilter.Exact, "host03.example.com")
	set(&byName.Name, nameFilter)
	set(&byName.Type, dns.RecordListParamsTypeA)
	page, err := svc.List(ctx, byName)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Result) != 1 || page.Result[0].Content != "192.0.2.4" {
		t.Fatalf("name.exact filter returned %+v", page.Result)
	}
	target := page.Result[0].ID

	// Edit (PATCH) and update (PUT).
	var edit dns.RecordEditParams
	set(&edit.ZoneID, zid)
	var patch dns.ARecordParam
	set(&patch.Content, "192.0.2.200")
	edit.Body = patch
	edited, err := svc.Edit(ctx, target, edit)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Content != "192.0.2.200" || edited.TTL != 300 || edited.Name != "host03.example.com" {
		t.Fatalf("PATCH should keep other fields: %+v", edited)
	}
	var upd dns.RecordUpdateParams
	set(&upd.ZoneID, zid)
	upd.Body = newARecord("host03", "192.0.2.201", 1)
	updated, err := svc.Update(ctx, target, upd)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Content != "192.0.2.201" || updated.TTL != 1 {
		t.Fatalf("PUT result %+v", updated)
	}

	var del dns.RecordDeleteParams
	set(&del.ZoneID, zid)
	if _, err := svc.Delete(ctx, target, del); err != nil {
		t.Fatal(err)
	}
	var get dns.RecordGetParams
	set(&get.ZoneID, zid)
	_, err = svc.Get(ctx, target, get)
	if status, code := apiCode(t, err); status != http.StatusNotFound || code != codeRecordNotFound {
		t.Fatalf("get deleted record: status %d code %d", status, code)
	}
}

func TestSDKDNSValidationErrors(t *testing.T) {
	s, _ := startSim(t, Options{})
	ctx := context.Background()
	zid := zoneID(t, s, "example.com")
	svc := dns.NewRecordService(sdkOpts(s, writeTok)...)
	create := func(body dns.RecordNewParamsBodyUnion) error {
		var p dns.RecordNewParams
		set(&p.ZoneID, zid)
		p.Body = body
		_, err := svc.New(ctx, p)
		return err
	}
	cname := func(name, target string) dns.CNAMERecordParam {
		var p dns.CNAMERecordParam
		set(&p.Name, name)
		set(&p.Content, target)
		set(&p.TTL, dns.TTL(1))
		set(&p.Type, dns.CNAMERecordTypeCNAME)
		return p
	}
	var txt dns.TXTRecordParam
	set(&txt.Name, "www")
	set(&txt.Content, "hello")
	set(&txt.TTL, dns.TTL(1))
	set(&txt.Type, dns.TXTRecordTypeTXT)
	var mx dns.MXRecordParam
	set(&mx.Name, "@")
	set(&mx.Content, "mx2.example.com")
	set(&mx.TTL, dns.TTL(1))
	set(&mx.Type, dns.MXRecordTypeMX)
	proxiedTXT := txt
	set(&proxiedTXT.Name, "notes")
	set(&proxiedTXT.Proxied, true)

	cases := []struct {
		name string
		body dns.RecordNewParamsBodyUnion
		code int
	}{
		{"A where a CNAME is", newARecord("www", "192.0.2.9", 1), codeCNAMEExists},
		{"TXT where a CNAME is", txt, codeCNAMEExists},
		{"CNAME where an A is", cname("api", "example.net"), codeHostExists},
		{"CNAME where an MX is", cname("@", "example.net"), codeHostExists},
		{"TTL 30", newARecord("ttl", "192.0.2.9", 30), codeTTLInvalid},
		{"A with IPv6", newARecord("v6", "2001:db8::1", 1), codeContentInvalid},
		{"name outside zone", newARecord("www.example.net", "192.0.2.9", 1), codeDNSNameInvalid},
		{"MX without priority", mx, codeContentInvalid},
		{"proxied TXT", proxiedTXT, codeNotProxiable},
		{"identical record", newARecord("mail", "203.0.113.25", 1), codeIdenticalRecord},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, code := apiCode(t, create(tc.body))
			if status != http.StatusBadRequest || code != tc.code {
				t.Fatalf("status %d code %d, want 400 code %d", status, code, tc.code)
			}
		})
	}
}

func TestSDKTokensAndZones(t *testing.T) {
	s, _ := startSim(t, Options{})
	ctx := context.Background()
	com, net := zoneID(t, s, "example.com"), zoneID(t, s, "example.net")

	// The zone-limited token sees only its zone.
	zsvc := zones.NewZoneService(sdkOpts(s, stagingTok)...)
	pager := zsvc.ListAutoPaging(ctx, zones.ZoneListParams{})
	var names []string
	for pager.Next() {
		names = append(names, pager.Current().Name)
	}
	if pager.Err() != nil || strings.Join(names, ",") != "example.net" {
		t.Fatalf("staging token lists %v (err %v)", names, pager.Err())
	}
	var get zones.ZoneGetParams
	set(&get.ZoneID, com)
	_, err := zsvc.Get(ctx, get)
	if status, code := apiCode(t, err); status != http.StatusForbidden || code != codeAuthError {
		t.Fatalf("staging token reading example.com: %d/%d", status, code)
	}
	set(&get.ZoneID, net)
	if z, err := zsvc.Get(ctx, get); err != nil || z.Name != "example.net" {
		t.Fatalf("staging token reading its zone: %v", err)
	}

	// The read-only token cannot write.
	rsvc := dns.NewRecordService(sdkOpts(s, readTok)...)
	var p dns.RecordNewParams
	set(&p.ZoneID, com)
	p.Body = newARecord("ro", "192.0.2.1", 1)
	_, err = rsvc.New(ctx, p)
	if status, code := apiCode(t, err); status != http.StatusForbidden || code != codeAuthError {
		t.Fatalf("read-only write: %d/%d", status, code)
	}

	// A bad token is an authentication error.
	bad := zones.NewZoneService(option.WithBaseURL(s.BaseURL()+"/"), option.WithAPIToken("nope"), option.WithMaxRetries(0))
	_, err = bad.List(ctx, zones.ZoneListParams{})
	if status, code := apiCode(t, err); status != http.StatusForbidden || code != codeAuthError {
		t.Fatalf("bad token: %d/%d", status, code)
	}
}

func TestSDKSettings(t *testing.T) {
	s, _ := startSim(t, Options{})
	ctx := context.Background()
	zid := zoneID(t, s, "example.com")
	svc := zones.NewSettingService(sdkOpts(s, writeTok)...)
	var get zones.SettingGetParams
	set(&get.ZoneID, zid)
	got, err := svc.Get(ctx, "security_level", get)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Value) != "medium" {
		t.Fatalf("security_level is %v", got.Value)
	}
	var edit zones.SettingEditParams
	set(&edit.ZoneID, zid)
	var body zones.SettingEditParamsBodyValue
	set(&body.Value, zones.SettingEditParamsBodyValueValueUnion(shared.UnionString("high")))
	edit.Body = body
	res, err := svc.Edit(ctx, "security_level", edit)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Value) != "high" {
		t.Fatalf("edited value %v", res.Value)
	}
	set(&body.Value, zones.SettingEditParamsBodyValueValueUnion(shared.UnionString("maximum")))
	edit.Body = body
	_, err = svc.Edit(ctx, "security_level", edit)
	if status, code := apiCode(t, err); status != http.StatusBadRequest || code != codeInvalidSetting {
		t.Fatalf("invalid value: %d/%d", status, code)
	}
	_, err = svc.Edit(ctx, "no_such_setting", edit)
	if _, code := apiCode(t, err); code != codeUnknownSetting {
		t.Fatalf("unknown setting code %d", code)
	}
}

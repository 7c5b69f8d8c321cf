package cfspec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestBrokenExchangesAreReportedByField(t *testing.T) {
	spec := testSpec(t)
	records := "/zones/" + zoneID + "/dns_records"
	cases := []struct {
		exchange
		kind Kind
		want []string // substrings the error must contain
	}{
		{
			exchange: exchange{name: "missing success", method: "GET", path: records,
				body: `{"result":[` + realDNSRecordA + `],"errors":[],"messages":[]}`},
			kind: KindResponse, want: []string{"GET", records, "status 200", `property "success" is missing`},
		},
		{
			exchange: exchange{name: "ttl is a string", method: "GET", path: records,
				body: `{"result":[` + strings.Replace(realDNSRecordA, `"ttl": 1`, `"ttl": "auto"`, 1) + `],"success":true,"errors":[],"messages":[]}`},
			kind: KindResponse, want: []string{"/result/0/ttl", "must be a number"},
		},
		{
			exchange: exchange{name: "list result is an object", method: "GET", path: records,
				body: `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`},
			kind: KindResponse, want: []string{"/result", "must be an array"},
		},
		{
			exchange: exchange{name: "comment is a number", method: "GET", path: records + "/" + recordID,
				body: `{"result":` + strings.Replace(realDNSRecordA, `"comment": null`, `"comment": 5`, 1) + `,"success":true,"errors":[],"messages":[]}`},
			kind: KindResponse, want: []string{"/result/comment", "must be a string"},
		},
		{
			exchange: exchange{name: "failure without success", method: "GET", path: records, status: 403,
				body: `{"errors":[{"code":10000,"message":"Authentication error"}]}`},
			kind: KindResponse, want: []string{"status 403", `property "success" is missing`},
		},
		{
			exchange: exchange{name: "created answered 201", method: "POST", path: records, status: 201,
				reqBody: `{"type":"A","name":"www.example.com","content":"192.0.2.10","ttl":1}`,
				body:    `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`},
			kind: KindResponse, want: []string{"status 201 is not documented"},
		},
		{
			exchange: exchange{name: "request ttl is a string", method: "POST", path: records,
				reqBody: `{"type":"A","name":"www.example.com","content":"192.0.2.10","ttl":"1"}`,
				body:    `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`},
			kind: KindRequest, want: []string{"request body", "/ttl", "must be a number"},
		},
		{
			exchange: exchange{name: "zone id too long", method: "GET", path: "/zones/" + zoneID + zoneID + "/dns_records",
				body: `{"result":[],"success":true,"errors":[],"messages":[]}`},
			kind: KindRequest, want: []string{`path parameter "zone_id"`, "maximum string length is 32"},
		},
		{
			exchange: exchange{name: "worker metadata malformed", method: "PUT", path: "/accounts/" + accountID + "/workers/scripts/edge-router",
				reqType: "multipart/form-data; boundary=b",
				reqBody: "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n" +
					`{"main_module":"worker.js","compatibility_flags":"nodejs_compat"}` + "\r\n--b--\r\n",
				body: `{"result":{"startup_time_ms":1},"success":true,"errors":[],"messages":[]}`},
			kind: KindRequest, want: []string{`request body part "metadata"`, "/compatibility_flags", "must be an array"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run(spec)
			if err == nil {
				t.Fatalf("broken exchange passed validation")
			}
			t.Log(err)
			var v *Violation
			if !errors.As(err, &v) || v.Kind != c.kind {
				t.Fatalf("want a %s violation, got %v", c.kind, err)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
			if strings.Contains(err.Error(), "Schema:") || strings.Contains(err.Error(), "Value:") {
				t.Errorf("error dumps the schema or the value:\n%v", err)
			}
		})
	}
}

func TestPathsOutsideTheSpec(t *testing.T) {
	lenient := testSpec(t)
	strict, err := Load(context.Background(), WithStrict())
	if err != nil {
		t.Fatalf("load strict spec: %v", err)
	}
	unknown := exchange{method: "GET", path: "/zones/" + zoneID + "/firewall/rules", body: `{}`}
	if err := unknown.run(lenient); err != nil {
		t.Errorf("lenient spec reported a path outside the spec: %v", err)
	}
	err = unknown.run(strict)
	var v *Violation
	if !errors.As(err, &v) || v.Kind != KindNotInSpec || !strings.Contains(err.Error(), "/firewall/rules") {
		t.Errorf("strict spec: want a %q violation naming the path, got %v", KindNotInSpec, err)
	}

	// A method the spec does not define on a path it knows is always a disagreement.
	wrongMethod := exchange{method: "DELETE", path: "/zones/" + zoneID + "/settings", body: `{}`}
	err = wrongMethod.run(lenient)
	if !errors.As(err, &v) || v.Kind != KindNotInSpec || v.Method != http.MethodDelete {
		t.Errorf("want a %q violation for DELETE on settings, got %v", KindNotInSpec, err)
	}
}

func TestRoutesLiteralSegmentsBeforeTemplates(t *testing.T) {
	spec := testSpec(t)
	// "export" must route to the export operation (text/plain), not to a record id.
	x := exchange{method: "GET", path: "/zones/" + zoneID + "/dns_records/export", contentType: "text/plain", body: "x. 1 IN A 192.0.2.1\n"}
	err := x.run(spec)
	if err != nil {
		t.Fatalf("export routed wrongly: %v", err)
	}
	var v *Violation
	x.contentType = "application/json"
	err = x.run(spec)
	if !errors.As(err, &v) || v.Route != "/zones/{zone_id}/dns_records/export" {
		t.Fatalf("JSON from export: want a violation on the export route, got %v", err)
	}
}

func TestConcurrentValidation(t *testing.T) {
	spec := testSpec(t)
	good := exchange{method: "GET", path: "/zones/" + zoneID + "/dns_records",
		body: `{"result":[` + realDNSRecordA + `,` + realDNSRecordMX + `],"success":true,"errors":[],"messages":[]}`}
	bad := good
	bad.body = strings.Replace(good.body, `"success":true`, `"success":"yes"`, 1)
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			x := good
			if i%2 == 1 {
				x = bad
			}
			err := x.run(spec)
			if (err != nil) != (i%2 == 1) {
				errs <- fmt.Errorf("exchange %d: unexpected result %v", i, err)
				return
			}
			errs <- nil
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

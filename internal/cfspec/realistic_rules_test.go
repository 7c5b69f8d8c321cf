package cfspec

import (
	"strings"
	"testing"
)

const realCustomRulesEntrypoint = `{
  "id": "` + rulesetID + `",
  "name": "default",
  "description": "",
  "kind": "zone",
  "version": "4",
  "rules": [
    {
      "id": "` + ruleID + `",
      "version": "2",
      "action": "block",
      "expression": "(ip.src in {203.0.113.0/24}) and http.request.uri.path contains \"/wp-login\"",
      "description": "Block login probes",
      "last_updated": "2024-06-10T14:03:21.482173Z",
      "ref": "` + ruleID + `",
      "enabled": true
    },
    {
      "id": "4b14e776cbd14abc8a1e3c5d6f7a8b9c",
      "version": "1",
      "action": "managed_challenge",
      "expression": "(ip.geoip.country in {\"T1\"})",
      "description": "Challenge Tor",
      "last_updated": "2024-06-10T14:03:21.482173Z",
      "ref": "4b14e776cbd14abc8a1e3c5d6f7a8b9c",
      "enabled": false
    }
  ],
  "last_updated": "2024-06-10T14:03:21.482173Z",
  "phase": "http_request_firewall_custom"
}`

const realRateLimitEntrypoint = `{
  "id": "6c2f1a3b4d5e4f60a1b2c3d4e5f6a7b8",
  "name": "default",
  "description": "",
  "kind": "zone",
  "version": "2",
  "rules": [
    {
      "id": "7d3e2b4c5f6a4b71b2c3d4e5f6a7b8c9",
      "version": "1",
      "action": "block",
      "expression": "(http.request.uri.path wildcard \"/api/*\")",
      "description": "API rate limit",
      "last_updated": "2024-06-10T14:05:00.000000Z",
      "ref": "7d3e2b4c5f6a4b71b2c3d4e5f6a7b8c9",
      "enabled": true,
      "ratelimit": {
        "characteristics": ["cf.colo.id", "ip.src"],
        "period": 60,
        "requests_per_period": 100,
        "mitigation_timeout": 600
      }
    }
  ],
  "last_updated": "2024-06-10T14:05:00.000000Z",
  "phase": "http_ratelimit"
}`

func TestRealisticRulesetExchangesConform(t *testing.T) {
	spec := testSpec(t)
	zones := "/zones/" + zoneID
	runExchanges(t, spec, []exchange{
		{
			name: "list rulesets", method: "GET", path: zones + "/rulesets",
			body: `{"result":[
			    {"id":"` + rulesetID + `","name":"default","description":"","kind":"zone","version":"4",
			     "last_updated":"2024-06-10T14:03:21.482173Z","phase":"http_request_firewall_custom"},
			    {"id":"efb7b8c949ac4650a09736fc376e9aee","name":"Cloudflare Managed Ruleset",
			     "description":"Created by the Cloudflare security team, this ruleset is designed to provide fast and effective protection for all your applications.",
			     "source":"firewall_managed","kind":"managed","version":"81","last_updated":"2024-06-04T18:41:52.139367Z",
			     "phase":"http_request_firewall_managed"}
			  ],"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "get custom rules entrypoint", method: "GET",
			path: zones + "/rulesets/phases/http_request_firewall_custom/entrypoint",
			body: `{"result":` + realCustomRulesEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "get rate limit entrypoint", method: "GET", path: zones + "/rulesets/phases/http_ratelimit/entrypoint",
			body: `{"result":` + realRateLimitEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "entrypoint missing", method: "GET", status: 404,
			path: zones + "/rulesets/phases/http_ratelimit/entrypoint",
			body: `{"result":null,"success":false,"errors":[{"code":10003,"message":"could not find entrypoint ruleset in the http_ratelimit phase"}],"messages":[]}`,
		},
		{
			name: "get ruleset", method: "GET", path: zones + "/rulesets/" + rulesetID,
			body: `{"result":` + realCustomRulesEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "create entrypoint with a rule", method: "PUT",
			path:    zones + "/rulesets/phases/http_request_firewall_custom/entrypoint",
			reqBody: `{"rules":[{"action":"block","expression":"(ip.src eq 203.0.113.7)","description":"Block one IP","enabled":true}]}`,
			body:    `{"result":` + realCustomRulesEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "add rule", method: "POST", path: zones + "/rulesets/" + rulesetID + "/rules",
			reqBody: `{"action":"block","expression":"(ip.src eq 203.0.113.7)","description":"Block one IP","enabled":true}`,
			body:    `{"result":` + realCustomRulesEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "add rate limit rule", method: "POST", path: zones + "/rulesets/6c2f1a3b4d5e4f60a1b2c3d4e5f6a7b8/rules",
			reqBody: `{"action":"block","expression":"(http.request.uri.path wildcard \"/api/*\")","description":"API rate limit",
			  "ratelimit":{"characteristics":["cf.colo.id","ip.src"],"period":60,"requests_per_period":100,"mitigation_timeout":600}}`,
			body: `{"result":` + realRateLimitEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "disable rule", method: "PATCH", path: zones + "/rulesets/" + rulesetID + "/rules/" + ruleID,
			reqBody: `{"action":"block","expression":"(ip.src in {203.0.113.0/24}) and http.request.uri.path contains \"/wp-login\"","enabled":false}`,
			body:    `{"result":` + realCustomRulesEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "delete rule", method: "DELETE", path: zones + "/rulesets/" + rulesetID + "/rules/" + ruleID,
			body: `{"result":` + realCustomRulesEntrypoint + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "invalid expression", method: "POST", status: 400, path: zones + "/rulesets/" + rulesetID + "/rules",
			reqBody: `{"action":"block","expression":"ip.src eq","description":"broken"}`,
			body:    `{"result":null,"success":false,"errors":[{"code":20021,"message":"'ip.src eq' is not a valid value for expression because the expression is invalid: Filter parsing error (1:10):\nip.src eq\n         ^ unexpected end of input\n","source":{"pointer":"/rules/2/expression"}}],"messages":[]}`,
		},
	})
}

const realWorkerScript = `{
  "id": "edge-router",
  "etag": "13a3240e8fb414561b0366813b0b8f42b3e6cfa0d9e70e99835dae83d0d8a794",
  "handlers": ["fetch"],
  "modified_on": "2024-06-10T16:00:01.123456Z",
  "created_on": "2023-11-02T09:12:44.654321Z",
  "usage_model": "standard",
  "compatibility_date": "2024-05-01",
  "compatibility_flags": [],
  "has_assets": false,
  "has_modules": true,
  "logpush": false,
  "tail_consumers": null
}`

func TestRealisticWorkersExchangesConform(t *testing.T) {
	spec := testSpec(t)
	scripts := "/accounts/" + accountID + "/workers/scripts"
	routes := "/zones/" + zoneID + "/workers/routes"
	runExchanges(t, spec, []exchange{
		{
			name: "list scripts", method: "GET", path: scripts,
			body: `{"result":[` + realWorkerScript + `],"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "download script", method: "GET", path: scripts + "/edge-router",
			contentType: "application/javascript",
			body:        `export default { async fetch(request) { return new Response("ok"); } };`,
		},
		{
			name: "upload script", method: "PUT", path: scripts + "/edge-router",
			reqType: "multipart/form-data; boundary=driftdeck",
			reqBody: "--driftdeck\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n" +
				`{"main_module":"worker.js","compatibility_date":"2024-05-01"}` +
				"\r\n--driftdeck\r\nContent-Disposition: form-data; name=\"worker.js\"; filename=\"worker.js\"\r\nContent-Type: application/javascript+module\r\n\r\n" +
				`export default { async fetch(request) { return new Response("ok"); } };` +
				"\r\n--driftdeck--\r\n",
			body: `{"result":` + strings.Replace(realWorkerScript, `"id":`, `"startup_time_ms":12,"id":`, 1) + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "list routes", method: "GET", path: routes,
			body: `{"result":[{"id":"` + routeID + `","pattern":"example.com/api/*","script":"edge-router"}],
			  "success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "create route", method: "POST", path: routes,
			reqBody: `{"pattern":"example.com/api/*","script":"edge-router"}`,
			body:    `{"result":{"id":"` + routeID + `","pattern":"example.com/api/*","script":"edge-router"},"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "update route", method: "PUT", path: routes + "/" + routeID,
			reqBody: `{"pattern":"example.com/v2/*","script":"edge-router"}`,
			body:    `{"result":{"id":"` + routeID + `","pattern":"example.com/v2/*","script":"edge-router"},"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "delete route", method: "DELETE", path: routes + "/" + routeID,
			body: `{"result":{"id":"` + routeID + `"},"success":true,"errors":[],"messages":[]}`,
		},
	})
}

package cfspec

import "testing"

const realZone = `{
  "id": "` + zoneID + `",
  "name": "example.com",
  "status": "active",
  "paused": false,
  "type": "full",
  "development_mode": 0,
  "name_servers": ["bob.ns.cloudflare.com", "lola.ns.cloudflare.com"],
  "original_name_servers": ["ns1.registrar.example", "ns2.registrar.example"],
  "original_registrar": null,
  "original_dnshost": null,
  "modified_on": "2024-05-02T11:20:03.482947Z",
  "created_on": "2021-03-14T09:00:12.000000Z",
  "activated_on": "2021-03-14T09:31:40.000000Z",
  "meta": {"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": false},
  "owner": {"id": null, "type": "user", "email": null},
  "account": {"id": "` + accountID + `", "name": "Example Ops"},
  "tenant": {"id": null, "name": null},
  "tenant_unit": {"id": null},
  "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read", "#zone_settings:edit"],
  "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0, "currency": "USD",
    "frequency": "", "is_subscribed": false, "can_subscribe": false, "legacy_id": "free",
    "legacy_discount": false, "externally_managed": false}
}`

func TestRealisticZoneExchangesConform(t *testing.T) {
	spec := testSpec(t)
	zones := "/zones/" + zoneID
	runExchanges(t, spec, []exchange{
		{
			name: "list zones", method: "GET", path: "/zones?account.id=" + accountID + "&page=1&per_page=50",
			body: `{"result":[` + realZone + `],"result_info":{"page":1,"per_page":50,"total_pages":1,"count":1,"total_count":1},
			  "success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "get zone", method: "GET", path: zones,
			body: `{"result":` + realZone + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "zone not found", method: "GET", path: zones, status: 404,
			body: `{"result":null,"success":false,"errors":[{"code":1001,"message":"Invalid zone identifier"}],"messages":[]}`,
		},
		{
			name: "list settings", method: "GET", path: zones + "/settings",
			body: `{"result":[
			    {"id":"always_online","value":"on","modified_on":null,"editable":true},
			    {"id":"always_use_https","value":"on","modified_on":"2024-04-02T10:00:00.000000Z","editable":true},
			    {"id":"browser_cache_ttl","value":14400,"modified_on":null,"editable":true},
			    {"id":"development_mode","value":"off","modified_on":null,"time_remaining":0,"editable":true},
			    {"id":"min_tls_version","value":"1.2","modified_on":"2024-04-02T10:00:00.000000Z","editable":true},
			    {"id":"security_level","value":"medium","modified_on":null,"editable":true},
			    {"id":"ssl","value":"full","modified_on":"2024-04-02T10:00:00.000000Z","certificate_status":"active","validation_errors":[],"editable":true},
			    {"id":"tls_1_3","value":"on","modified_on":null,"editable":true},
			    {"id":"0rtt","value":"off","modified_on":null,"editable":true},
			    {"id":"http3","value":"on","modified_on":null,"editable":true},
			    {"id":"waf","value":"off","modified_on":null,"editable":false}
			  ],"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "get setting", method: "GET", path: zones + "/settings/ssl",
			body: `{"result":{"id":"ssl","value":"full","modified_on":"2024-04-02T10:00:00.000000Z","certificate_status":"active","validation_errors":[],"editable":true},
			  "success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "edit setting", method: "PATCH", path: zones + "/settings/security_level",
			reqBody: `{"value":"under_attack"}`,
			body: `{"result":{"id":"security_level","value":"under_attack","modified_on":"2024-06-11T09:15:42.187334Z","editable":true},
			  "success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "purge everything", method: "POST", path: zones + "/purge_cache",
			reqBody: `{"purge_everything":true}`,
			body:    `{"result":{"id":"` + zoneID + `"},"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "purge urls", method: "POST", path: zones + "/purge_cache",
			reqBody: `{"files":["https://example.com/app.js","https://example.com/style.css"]}`,
			body:    `{"result":{"id":"` + zoneID + `"},"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "purge tags", method: "POST", path: zones + "/purge_cache",
			reqBody: `{"tags":["product-123"]}`,
			body:    `{"result":{"id":"` + zoneID + `"},"success":true,"errors":[],"messages":[]}`,
		},
	})
}

func TestRealisticIdentityExchangesConform(t *testing.T) {
	spec := testSpec(t)
	runExchanges(t, spec, []exchange{
		{
			name: "verify token", method: "GET", path: "/user/tokens/verify",
			body: `{"result":{"id":"` + tokenID + `","status":"active"},"success":true,"errors":[],
			  "messages":[{"code":10000,"message":"This API Token is valid and active","type":null}]}`,
		},
		{
			name: "verify token with expiry", method: "GET", path: "/user/tokens/verify",
			body: `{"result":{"id":"` + tokenID + `","status":"active","not_before":"2024-01-01T00:00:00Z","expires_on":"2026-01-01T00:00:00Z"},
			  "success":true,"errors":[],"messages":[{"code":10000,"message":"This API Token is valid and active","type":null}]}`,
		},
		{
			name: "verify bad token", method: "GET", path: "/user/tokens/verify", status: 401,
			body: `{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}],"messages":[],"result":null}`,
		},
		{
			name: "get token", method: "GET", path: "/user/tokens/" + tokenID,
			body: `{"result":{"id":"` + tokenID + `","name":"driftdeck on-call","status":"active",
			  "issued_on":"2024-01-10T12:00:00Z","modified_on":"2024-01-10T12:00:00Z","last_used_on":"2024-06-11T09:00:00Z",
			  "policies":[{"id":"f267e341f3dd4697bd3b9f71dd96247f","effect":"allow",
			    "resources":{"com.cloudflare.api.account.zone.*":"*"},
			    "permission_groups":[{"id":"c8fed203ed3043cba015a93ad1616f1f","name":"Zone Read"},
			                         {"id":"4755a26eedb94da69e1066d98aa820be","name":"DNS Write"}]}],
			  "condition":{}},
			  "success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "get account", method: "GET", path: "/accounts/" + accountID,
			body: `{"result":{"id":"` + accountID + `","name":"Example Ops","type":"standard",
			  "settings":{"enforce_twofactor":false,"api_access_enabled":null,"access_approval_expiry":null,
			    "use_account_custom_ns_by_default":false},
			  "legacy_flags":{"enterprise_zone_quota":{"maximum":0,"current":0,"available":0}},
			  "created_on":"2019-08-20T14:00:00.000000Z"},
			  "success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "audit logs v2 page", method: "GET",
			path: "/accounts/" + accountID + "/logs/audit?since=2024-06-11T00:00:00Z&before=2024-06-11T10:00:00Z&limit=100",
			body: `{"success":true,"errors":[],"result":[{
			    "id":"f174be9719b140d6954d70cd5fbd52db",
			    "account":{"id":"` + accountID + `","name":"Example Ops"},
			    "action":{"description":"Update DNS record","result":"success","time":"2024-06-11T09:15:42Z","type":"update"},
			    "actor":{"id":"5d3a7a4e2c1b4f0e9d8c7b6a5f4e3d2c","context":"dash","email":"alice@example.com",
			      "ip_address":"198.51.100.23","token_id":"","token_name":"","type":"user"},
			    "raw":{"cf_ray_id":"8a1b2c3d4e5f6a7b","method":"PATCH","status_code":200,
			      "uri":"/client/v4/zones/` + zoneID + `/dns_records/` + recordID + `","user_agent":"Mozilla/5.0"},
			    "resource":{"id":"` + recordID + `","product":"dns_records","request":{"content":"203.0.113.9"},
			      "response":{"content":"203.0.113.9"},"scope":{"id":"` + zoneID + `","name":"example.com","type":"zone"},"type":"dns.record"},
			    "zone":{"id":"` + zoneID + `","name":"example.com"}
			  }],
			  "result_info":{"count":"1","cursor":"ASqdKd7dKgxh-aZ8bm0mZos1BtW4BdEqifCzNkEeGRzi_5SN_-362Y8sF-C1TRn60_6rd3z2dIajf9EAPyQ_NmIeAMkacmaJPXipqvP7PLU4t72wyqBeJfjmjdE="}}`,
		},
	})
}

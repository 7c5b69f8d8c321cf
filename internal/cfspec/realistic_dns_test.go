package cfspec

import "testing"

// These bodies are shaped the way api.cloudflare.com answers (fields, nulls and omissions as
// the real API sends them), so a failure here is either a quirk of the spec or a bug in the
// validator, never a simulator bug.

const realDNSRecordA = `{
  "id": "` + recordID + `",
  "name": "www.example.com",
  "type": "A",
  "content": "192.0.2.10",
  "proxiable": true,
  "proxied": true,
  "ttl": 1,
  "settings": {},
  "meta": {},
  "comment": null,
  "tags": [],
  "created_on": "2024-06-11T09:15:42.187334Z",
  "modified_on": "2024-06-11T09:15:42.187334Z"
}`

const realDNSRecordTXT = `{
  "id": "a3b5c8e1d2f44c0e9b7a6d5c4b3a2f10",
  "name": "example.com",
  "type": "TXT",
  "content": "\"v=spf1 include:_spf.example.net ~all\"",
  "proxiable": false,
  "proxied": false,
  "ttl": 3600,
  "settings": {},
  "meta": {},
  "comment": "SPF",
  "tags": ["owner:mail"],
  "created_on": "2023-02-01T10:00:00.000000Z",
  "modified_on": "2024-01-15T08:30:00.000000Z",
  "comment_modified_on": "2024-01-15T08:30:00.000000Z",
  "tags_modified_on": "2024-01-15T08:30:00.000000Z"
}`

const realDNSRecordMX = `{
  "id": "b4c6d9f2e3a54d1f8c8b7e6d5c4b3a21",
  "name": "example.com",
  "type": "MX",
  "content": "mx1.example.net",
  "priority": 10,
  "proxiable": false,
  "proxied": false,
  "ttl": 300,
  "settings": {},
  "meta": {},
  "comment": null,
  "tags": [],
  "created_on": "2023-02-01T10:00:00.000000Z",
  "modified_on": "2023-02-01T10:00:00.000000Z"
}`

const realDNSRecordCNAME = `{
  "id": "c5d7e0a3f4b64e2a9d9c8f7e6d5c4b32",
  "name": "api.example.com",
  "type": "CNAME",
  "content": "origin.example.net",
  "proxiable": true,
  "proxied": true,
  "ttl": 1,
  "settings": {"flatten_cname": false},
  "meta": {},
  "comment": null,
  "tags": [],
  "created_on": "2023-02-01T10:00:00.000000Z",
  "modified_on": "2023-02-01T10:00:00.000000Z"
}`

func TestRealisticDNSExchangesConform(t *testing.T) {
	spec := testSpec(t)
	runExchanges(t, spec, []exchange{
		{
			name: "list records", method: "GET", path: "/zones/" + zoneID + "/dns_records?page=1&per_page=100",
			body: `{"result":[` + realDNSRecordA + `,` + realDNSRecordTXT + `,` + realDNSRecordMX + `,` + realDNSRecordCNAME + `],
			  "success":true,"errors":[],"messages":[],
			  "result_info":{"page":1,"per_page":100,"count":4,"total_count":4,"total_pages":1}}`,
		},
		{
			name: "list records filtered by name and type", method: "GET",
			path: "/zones/" + zoneID + "/dns_records?name=www.example.com&type=A",
			body: `{"result":[` + realDNSRecordA + `],"success":true,"errors":[],"messages":[],
			  "result_info":{"page":1,"per_page":100,"count":1,"total_count":1,"total_pages":1}}`,
		},
		{
			name: "get record", method: "GET", path: "/zones/" + zoneID + "/dns_records/" + recordID,
			body: `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "create record", method: "POST", path: "/zones/" + zoneID + "/dns_records",
			reqBody: `{"type":"A","name":"www.example.com","content":"192.0.2.10","ttl":1,"proxied":true,"comment":"web"}`,
			body:    `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "update record", method: "PUT", path: "/zones/" + zoneID + "/dns_records/" + recordID,
			reqBody: `{"type":"A","name":"www.example.com","content":"192.0.2.11","ttl":300,"proxied":false}`,
			body:    `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "patch record", method: "PATCH", path: "/zones/" + zoneID + "/dns_records/" + recordID,
			reqBody: `{"type":"A","name":"www.example.com","content":"192.0.2.12"}`,
			body:    `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "patch comment only", method: "PATCH", path: "/zones/" + zoneID + "/dns_records/" + recordID,
			reqBody: `{"comment":"owned by web team"}`,
			body:    `{"result":` + realDNSRecordA + `,"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "delete record", method: "DELETE", path: "/zones/" + zoneID + "/dns_records/" + recordID,
			body: `{"result":{"id":"` + recordID + `"},"success":true,"errors":[],"messages":[]}`,
		},
		{
			name: "export", method: "GET", path: "/zones/" + zoneID + "/dns_records/export",
			contentType: "text/plain; charset=utf-8",
			body:        ";; Domain:     example.com.\nwww.example.com.\t1\tIN\tA\t192.0.2.10\n",
		},
		{
			name: "record not found", method: "GET", path: "/zones/" + zoneID + "/dns_records/" + recordID, status: 404,
			body: `{"result":null,"success":false,"errors":[{"code":81044,"message":"Record does not exist."}],"messages":[]}`,
		},
		{
			name: "invalid record", method: "POST", path: "/zones/" + zoneID + "/dns_records", status: 400,
			reqBody: `{"type":"A","name":"www.example.com","content":"192.0.2.10","ttl":1,"proxied":true}`,
			body:    `{"result":null,"success":false,"errors":[{"code":81057,"message":"An identical record already exists."}],"messages":[]}`,
		},
		{
			name: "bad token", method: "GET", path: "/zones/" + zoneID + "/dns_records", status: 403,
			body: `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`,
		},
	})
}

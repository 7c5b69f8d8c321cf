// Package cfsim is a stateful simulator of the part of the Cloudflare API
// that driftdeck uses. It answers under /client/v4 exactly as the real API
// and cloudflare-go v7 expect (envelope, error codes, pagination, auth,
// the global rate limit), keeps every change in an account audit log, serves
// deterministic synthetic traffic through a GraphQL endpoint, and runs a
// scenario: zones, tokens, rules and timed events such as traffic spikes and
// out-of-band dashboard changes. A control API under /__sim (loopback only)
// inspects and steers it.
//
// # API served under /client/v4
//
//	GET  /user/tokens/verify, /user/tokens/{id} (a token may read itself: its policies)
//	GET  /accounts/{id}, /accounts/{id}/logs/audit (v2: since, before, direction, limit, cursor, filters)
//	GET  /accounts/{id}/workers/scripts; GET|PUT|DELETE /accounts/{id}/workers/scripts/{name}
//	GET  /zones (name, status, account.id, account.name, page, per_page ≤ 50), /zones/{id}
//	GET|POST /zones/{id}/dns_records (name, name.exact|contains|startswith|endswith, type,
//	     content[.…], comment[.…], proxied, match, search, order, direction, page, per_page ≤ 5000)
//	GET|PATCH|PUT|DELETE /zones/{id}/dns_records/{rid}; GET /zones/{id}/dns_records/export (BIND)
//	GET  /zones/{id}/settings; GET|PATCH /zones/{id}/settings/{setting}
//	GET  /zones/{id}/rulesets; GET|PUT /zones/{id}/rulesets/phases/{phase}/entrypoint
//	GET|PUT /zones/{id}/rulesets/{rsid}; POST /zones/{id}/rulesets/{rsid}/rules
//	PATCH|DELETE /zones/{id}/rulesets/{rsid}/rules/{rule_id}
//	GET|POST /zones/{id}/workers/routes; GET|PUT|DELETE /zones/{id}/workers/routes/{rid}
//	POST /zones/{id}/purge_cache
//	POST /graphql (httpRequestsAdaptiveGroups, firewallEventsAdaptiveGroups)
//
// Per_page above the maximum is clamped; a page past the last answers
// result: [] (the SDK auto-pager's stop signal). Rulesets support the phases
// http_request_firewall_custom and http_ratelimit. GraphQL reads zoneTag,
// since, until and limit from the variables; a query may span one day and
// return 10,000 rows per dataset; until is clipped to the simulated now and
// only complete minutes have data. Errors come inside a 200 with data null
// and extensions.code authz, quota or bad_request.
//
// Known differences from the OpenAPI spec, where the simulator follows the
// real API: DNS records of types without data (A, CNAME, TXT, …) carry no
// "data" although the spec lists it as required; error responses carry
// "result": null where some spec error schemas want an object or lack
// "nullable"; the rate-limit error code 971 is below the spec's minimum of
// 1000.
//
// # Control API under /__sim (loopback clients only)
//
//	GET    /__sim/state    the whole state (no token values)
//	GET    /__sim/stats    requests per route template and token; rate-limit budget per token
//	POST   /__sim/mutate   {"actor":"alice@example.com","change":<infra.Change>} as a dashboard user
//	POST   /__sim/traffic  {"zone":"example.org","kind":"spike|errors|blocks","multiplier":8,"ratio":0.15,"duration":"10m"}
//	GET|POST|DELETE /__sim/faults
//	       [{"method":"GET","path":"/zones/*/dns_records","status":500,"retry_after":3,"latency":"2s",
//	         "invalid_json":true,"truncate":true,"after":1,"count":1}]
//	POST   /__sim/clock    {"advance":"30s"} (manual clock only, else 409)
//
// Fault paths match segment by segment ("*" one segment, a final "**" the
// rest). "after" skips that many matching requests, "count" limits how many
// get the fault (0 = all). Mutations resolve their target by id, or for DNS
// by the type and name (and content) of "before", and for firewall rules by
// ref or description.
//
// # Scenario YAML
//
// Unknown fields are errors; every error names FILE:LINE.
//
//	seed: 42                         # traffic noise and id seed
//	account: {id: <32 hex>, name: Example}   # id optional (derived from name)
//	tokens:
//	  - name: ci                     # unique
//	    value: secret-token          # the bearer token
//	    scopes: [read, write]        # write implies read
//	    zones: [example.net]         # optional: limit to these zones (no account access then)
//	zones:
//	  - name: example.com
//	    id: <32 hex>                 # optional, else derived from the name
//	    environment: production      # free text: production, staging, …
//	    records:                     # validated exactly as the API validates
//	      - {type: A, name: "@", content: 192.0.2.1, ttl: 1, proxied: true, comment: "…", tags: [k:v]}
//	      - {type: MX, name: "@", content: mail.example.com, priority: 10}
//	      - {type: SRV, name: _sip._tcp, data: {priority: 10, weight: 5, port: 5060, target: sip.example.com}}
//	    settings: {security_level: medium, ssl: strict, min_tls_version: "1.2"}
//	    firewall_rules:              # phase http_request_firewall_custom
//	      - {ref: r1, description: "…", expression: "(…)", action: block, enabled: true}
//	    ratelimit_rules:             # phase http_ratelimit
//	      - {description: "…", expression: "(…)", action: block,
//	         ratelimit: {characteristics: [cf.colo.id, ip.src], period: 60, requests_per_period: 100, mitigation_timeout: 600}}
//	    routes: [{pattern: "example.com/api/*", script: my-worker}]
//	workers: [{name: my-worker, source: "export default {…}"}]
//	traffic:
//	  example.com: {base_rpm: 900, daily_amplitude: 0.4, weekly_amplitude: 0.3, noise: 0.1,
//	                ratio_4xx: 0.04, ratio_5xx: 0.002, ratio_blocks: 0.01, ratio_challenges: 0.01,
//	                bytes_per_request: 18000}
//	events:
//	  - {at: 40s, type: traffic, traffic: {zone: example.org, kind: spike, multiplier: 6, ratio: 0.12, duration: 15m}}
//	  - at: 75s
//	    type: mutate
//	    actor: alice@example.com
//	    change: {kind: setting.edit, zone: example.com, target: security_level,
//	             after: {id: security_level, value: essentially_off}}
//
// Record names: "@" is the apex; a name ending in the zone, with a trailing
// dot, or with a common TLD is absolute (and rejected when outside the
// zone); any other name is relative to the zone. TTL is 1 (automatic) or
// 60-86400; proxied only for A, AAAA and CNAME; a CNAME shares its name with
// no other record.
//
// Traffic per zone and minute is deterministic: base_rpm times a daily
// sinusoid peaking at 15:00 UTC, a weekend dip, and multiplicative noise
// from a hash of (seed, zone, minute); injected events multiply requests,
// raise the 5xx share or raise blocks over their duration. Any minute has
// data, so history exists for the days before the start; events happen only
// after it.
//
// Scheduled events fire on the simulated clock: lazily on every request and
// clock read (deterministic with a ManualClock), and from a background
// ticker so they fire even when nobody calls.
package cfsim

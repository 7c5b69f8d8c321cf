// Package cfspec validates HTTP exchanges with the Cloudflare API against the OpenAPI spec
// the cloudflare-go SDK was generated from, so contract tests catch a simulator (or an SDK
// call) that drifts from what Cloudflare documents.
//
// # Where the spec comes from
//
// cloudflare-go ships no spec file: its scripts/mock embeds the spec as base64 of gzipped
// JSON (OpenAPI 3.0.3, about 12.5 MB, 2007 paths). Load asks `go list -m` where the SDK
// module of go.mod lives, decodes that spec, keeps only the paths driftdeck calls
// (UsedPaths) and the components they reference, and caches the pruned JSON (about 0.4 MB)
// in os.UserCacheDir()/driftdeck keyed by SDK version, so the spec always matches the SDK
// and nothing is committed. A cold load takes about 1.3 s, a cached one about 0.2 s.
//
// # What is checked
//
// Requests go to http://HOST/client/v4/...; routing uses the path after /client/v4.
//   - The request: path and query parameters, and the body (JSON, or the JSON "metadata"
//     part of a multipart Worker upload). The SDK builds requests, so a request violation
//     means the spec and the SDK disagree.
//   - The response: the body against the schema for its status (exact, then 4XX-style
//     ranges, then default), including the failure envelope of 4xx answers. A 2xx status
//     the operation does not document is a violation; undocumented 429 and 5xx are not
//     (the spec rarely lists them). Non-JSON bodies (JavaScript, BIND files) are checked
//     for a documented content type only.
//   - Paths outside the pruned spec pass unless the Spec is loaded WithStrict; a method
//     the spec does not define on a known path is always a violation. The Transport skips
//     /graphql and the simulator's /__sim/ control API.
//
// # Known spec quirks
//
// The spec is stricter than the real API in a few places; Quirks lists the narrow patches
// applied after load, each backed by how api.cloudflare.com answers. A quirk whose target
// disappears makes Load fail, so the list is revisited on every SDK upgrade. Never add a
// quirk to make a simulator bug pass.
//
//   - ref-sibling-readonly: "readOnly" next to a "$ref" is ignored in OpenAPI 3.0, so
//     server-assigned ids and versions (Worker routes, rulesets) were required in requests.
//   - enum-null-is-nullable: failure schemas say "result": {"enum": [null]} without
//     "nullable", which rejects the "result": null every failure carries.
//   - failure-envelope-minimal: the API gateway's auth errors are
//     {"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}, with
//     no "messages" or "result"; 4xx schemas stop requiring them.
//   - dns-record-comment-data-optional: DNS records omit "data" for simple types (A, AAAA,
//     CNAME, MX, NS, PTR, TXT) and may omit "comment"; the spec requires both.
//   - dns-record-comment-nullable: records without a comment carry "comment": null.
//   - dns-record-patch-partial: PATCH of a DNS record takes any subset of fields; the spec
//     reuses the create schemas that require name, type and ttl (type as a discriminator).
//   - zone-owner-tenant-nullable: zones not owned by an organisation carry
//     "owner": {"id": null}, "tenant": {"id": null, "name": null}, "tenant_unit": {"id": null}.
//   - audit-since-before-timestamps: audit log "since"/"before" accept RFC 3339 timestamps,
//     as their own descriptions say, though their schema says format "date".
//
// # Spec and SDK disagreements worth knowing
//
// The audit log v2 list documents result_info.cursor (and a string count), while the SDK's
// CursorPaginationAfter pager reads result_info.cursors.after: against a server that
// follows the spec, the SDK's auto-pager stops after the first page.
package cfspec

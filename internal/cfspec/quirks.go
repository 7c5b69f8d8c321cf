package cfspec

import (
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Quirk is a place where the spec is stricter than, or differs from, what the real API
// sends or accepts, patched narrowly. A quirk never hides a simulator bug: each one is
// backed by how api.cloudflare.com actually answers. Exactly one of patchJSON (applied to
// the raw document, for what kin-openapi cannot see after loading) and patchDoc is set.
type Quirk struct {
	Name   string // short identifier
	Reason string // one line: what the real API does that the spec does not allow
	// patchJSON and patchDoc return how many places they changed; zero is an error, so
	// the table is revisited whenever the SDK (and with it the spec) is upgraded.
	patchJSON func(doc map[string]any) int
	patchDoc  func(doc *openapi3.T) (int, error)
}

// Quirks returns the patches applied to every loaded spec, in order.
func Quirks() []Quirk {
	return []Quirk{
		{
			Name:      "ref-sibling-readonly",
			Reason:    `"readOnly" written next to a "$ref" is ignored in OpenAPI 3.0, so server-assigned ids and versions (routes, rulesets) were required in request bodies`,
			patchJSON: readOnlyBesideRef,
		},
		{
			Name:     "enum-null-is-nullable",
			Reason:   `"enum": [null] without "nullable" (3.1 style) rejects the "result": null every failure response carries`,
			patchDoc: nullEnumsNullable,
		},
		{
			Name:     "failure-envelope-minimal",
			Reason:   `the API gateway's auth errors are {"success":false,"errors":[{"code":10000,...}]} with no "messages" or "result"`,
			patchDoc: minimalFailureEnvelopes,
		},
		{
			Name:     "dns-record-comment-data-optional",
			Reason:   `DNS records omit "data" for simple types (A, AAAA, CNAME, MX, NS, PTR, TXT) and may omit "comment", yet the spec requires both`,
			patchDoc: dropRequired("dns-records_dns-record-response", "comment", "data"),
		},
		{
			Name:     "dns-record-comment-nullable",
			Reason:   `records without a comment carry "comment": null`,
			patchDoc: makeNullable("dns-records_comment"),
		},
		{
			Name:     "dns-record-patch-partial",
			Reason:   `PATCH of a DNS record takes any subset of fields, but the spec reuses the create schemas that require name, type and ttl (type even as a discriminator)`,
			patchDoc: partialDNSPatch,
		},
		{
			Name:     "zone-owner-tenant-nullable",
			Reason:   `zones not owned by an organisation carry "owner": {"id": null}, "tenant": {"id": null, "name": null} and "tenant_unit": {"id": null}`,
			patchDoc: nullableZoneOwnership,
		},
		{
			Name:     "audit-since-before-timestamps",
			Reason:   `audit log "since"/"before" accept RFC 3339 timestamps, as the parameters' own descriptions say, though their schema says format "date"`,
			patchDoc: auditTimestamps,
		},
	}
}

// applyJSONQuirks patches the raw document before kin-openapi loads it.
func applyJSONQuirks(doc map[string]any) error {
	for _, q := range Quirks() {
		if q.patchJSON == nil {
			continue
		}
		if q.patchJSON(doc) == 0 {
			return fmt.Errorf("apply spec quirk %s: nothing to patch; the spec changed, revisit the quirk", q.Name)
		}
	}
	return nil
}

// applyDocQuirks patches the loaded document.
func applyDocQuirks(doc *openapi3.T) error {
	for _, q := range Quirks() {
		if q.patchDoc == nil {
			continue
		}
		n, err := q.patchDoc(doc)
		if err != nil {
			return fmt.Errorf("apply spec quirk %s: %w", q.Name, err)
		}
		if n == 0 {
			return fmt.Errorf("apply spec quirk %s: nothing to patch; the spec changed, revisit the quirk", q.Name)
		}
	}
	return nil
}

// readOnlyBesideRef rewrites {"$ref": X, "readOnly": true} as {"allOf": [{"$ref": X}],
// "readOnly": true}, the 3.0 way of saying the same thing.
func readOnlyBesideRef(node map[string]any) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if readOnly, _ := x["readOnly"].(bool); readOnly {
					delete(x, "$ref")
					x["allOf"] = []any{map[string]any{"$ref": ref}}
					n++
				}
			}
			for _, child := range x {
				walk(child)
			}
		case []any:
			for _, child := range x {
				walk(child)
			}
		}
	}
	walk(node)
	return n
}

func nullEnumsNullable(doc *openapi3.T) (int, error) {
	n := 0
	walkSchemas(doc, func(s *openapi3.Schema) {
		if len(s.Enum) > 0 && !s.Nullable && !slices.ContainsFunc(s.Enum, func(v any) bool { return v != nil }) {
			s.Nullable = true
			n++
		}
	})
	return n, nil
}

// minimalFailureEnvelopes drops "messages" and "result" from the required fields of every
// 4xx response schema; success schemas are left alone (they are never shared with failures
// here, which is checked).
func minimalFailureEnvelopes(doc *openapi3.T) (int, error) {
	success := map[*openapi3.Schema]bool{}
	var failures []*openapi3.Schema
	forEachResponseSchema(doc, func(status string, s *openapi3.Schema) {
		if status[0] == '4' {
			failures = append(failures, s)
		} else {
			success[s] = true
		}
	})
	n := 0
	for _, s := range failures {
		if success[s] {
			return n, fmt.Errorf("a failure schema is shared with a success response")
		}
		before := len(s.Required)
		s.Required = slices.DeleteFunc(s.Required, func(name string) bool { return name == "messages" || name == "result" })
		if len(s.Required) != before {
			n++
		}
	}
	return n, nil
}

func dropRequired(schemaName string, fields ...string) func(*openapi3.T) (int, error) {
	return func(doc *openapi3.T) (int, error) {
		s, err := componentSchema(doc, schemaName)
		if err != nil {
			return 0, err
		}
		before := len(s.Required)
		s.Required = slices.DeleteFunc(s.Required, func(name string) bool { return slices.Contains(fields, name) })
		return before - len(s.Required), nil
	}
}

func makeNullable(schemaName string) func(*openapi3.T) (int, error) {
	return func(doc *openapi3.T) (int, error) {
		s, err := componentSchema(doc, schemaName)
		if err != nil || s.Nullable {
			return 0, err
		}
		s.Nullable = true
		return 1, nil
	}
}

// partialDNSPatch gives the PATCH body its own copies of the per-type record schemas with
// nothing required and no discriminator; POST and PUT keep the originals.
func partialDNSPatch(doc *openapi3.T) (int, error) {
	patch, err := componentSchema(doc, "dns-records_dns-record-patch")
	if err != nil {
		return 0, err
	}
	n := 0
	var relax func(ref *openapi3.SchemaRef) *openapi3.SchemaRef
	relax = func(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
		relaxed := *ref.Value
		if len(relaxed.Required) > 0 || relaxed.Discriminator != nil {
			relaxed.Required, relaxed.Discriminator = nil, nil
			n++
		}
		relaxed.AnyOf = make(openapi3.SchemaRefs, len(ref.Value.AnyOf))
		for i, alt := range ref.Value.AnyOf {
			relaxed.AnyOf[i] = relax(alt)
		}
		return &openapi3.SchemaRef{Value: &relaxed}
	}
	*patch = *relax(&openapi3.SchemaRef{Value: patch}).Value
	return n, nil
}

func nullableZoneOwnership(doc *openapi3.T) (int, error) {
	zone, err := componentSchema(doc, "zones_zone")
	if err != nil {
		return 0, err
	}
	n := 0
	for owner, fields := range map[string][]string{"owner": {"id"}, "tenant": {"id", "name"}, "tenant_unit": {"id"}} {
		prop := zone.Properties[owner]
		if prop == nil || prop.Value == nil {
			return n, fmt.Errorf("zone schema has no %q", owner)
		}
		for _, field := range fields {
			if err := nullableProperty(prop.Value, field); err != nil {
				return n, fmt.Errorf("zone %s: %w", owner, err)
			}
			n++
		}
	}
	return n, nil
}

func auditTimestamps(doc *openapi3.T) (int, error) {
	item := doc.Paths.Value("/accounts/{account_id}/logs/audit")
	if item == nil || item.Get == nil {
		return 0, fmt.Errorf("no GET /accounts/{account_id}/logs/audit")
	}
	n := 0
	for _, p := range item.Get.Parameters {
		if p.Value != nil && (p.Value.Name == "since" || p.Value.Name == "before") && p.Value.Schema != nil {
			relaxed := *p.Value.Schema.Value
			relaxed.Format = ""
			p.Value.Schema = &openapi3.SchemaRef{Value: &relaxed}
			n++
		}
	}
	return n, nil
}

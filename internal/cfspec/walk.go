package cfspec

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// walkSchemas calls fn once for every schema reachable from the document's paths.
func walkSchemas(doc *openapi3.T, fn func(*openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var visit func(ref *openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		fn(s)
		for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, child := range group {
				visit(child)
			}
		}
		visit(s.Not)
		visit(s.Items)
		for _, prop := range s.Properties {
			visit(prop)
		}
		if s.AdditionalProperties.Schema != nil {
			visit(s.AdditionalProperties.Schema)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value != nil {
					visit(p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, media := range op.RequestBody.Value.Content {
					visit(media.Schema)
				}
			}
			forEachOperationResponse(op, func(_ string, s *openapi3.SchemaRef) { visit(s) })
		}
	}
}

// forEachResponseSchema calls fn with the status key and JSON schema of every response.
func forEachResponseSchema(doc *openapi3.T, fn func(status string, s *openapi3.Schema)) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			forEachOperationResponse(op, func(status string, ref *openapi3.SchemaRef) {
				if ref != nil && ref.Value != nil {
					fn(status, ref.Value)
				}
			})
		}
	}
}

func forEachOperationResponse(op *openapi3.Operation, fn func(status string, s *openapi3.SchemaRef)) {
	if op.Responses == nil {
		return
	}
	for status, resp := range op.Responses.Map() {
		if resp == nil || resp.Value == nil {
			continue
		}
		for _, media := range resp.Value.Content {
			fn(status, media.Schema)
		}
	}
}

func componentSchema(doc *openapi3.T, name string) (*openapi3.Schema, error) {
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("no schema %s", name)
	}
	return ref.Value, nil
}

// nullableProperty replaces a property with a nullable copy, so the (often shared) schema it
// references keeps rejecting null everywhere else.
func nullableProperty(s *openapi3.Schema, name string) error {
	prop := s.Properties[name]
	if prop == nil || prop.Value == nil {
		return fmt.Errorf("no property %q", name)
	}
	copied := *prop.Value
	copied.Nullable = true
	s.Properties[name] = &openapi3.SchemaRef{Value: &copied}
	return nil
}

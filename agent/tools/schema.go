package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Schema is the subset of JSON Schema the tools declare. The same value is
// sent to the model and used to validate the model's arguments, so the two
// can never disagree.
type Schema struct {
	Type                 Types              `json:"type,omitempty"`
	Description          string             `json:"description,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *bool              `json:"additionalProperties,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	MinLength            *int               `json:"minLength,omitempty"`
	MaxLength            *int               `json:"maxLength,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	MaxItems             *int               `json:"maxItems,omitempty"`
}

// Types is a schema's type: one name, or several.
type Types []string

// MarshalJSON writes a single type as a string, several as an array.
func (t Types) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		return json.Marshal(t[0])
	}
	return json.Marshal([]string(t))
}

func ptr[T any](v T) *T { return &v }

func object(required []string, props map[string]*Schema) *Schema {
	return &Schema{Type: Types{"object"}, Properties: props, Required: required, AdditionalProperties: ptr(false)}
}

func str(desc string, maxLen int) *Schema {
	return &Schema{Type: Types{"string"}, Description: desc, MaxLength: ptr(maxLen)}
}

func nonEmpty(desc string, maxLen int) *Schema {
	s := str(desc, maxLen)
	s.MinLength = ptr(1)
	return s
}

func pattern(desc string, maxLen int, re string) *Schema {
	s := str(desc, maxLen)
	s.Pattern = re
	return s
}

func enum(desc string, values ...string) *Schema {
	s := &Schema{Type: Types{"string"}, Description: desc}
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return s
}

func intEnum(desc string, values ...int) *Schema {
	s := &Schema{Type: Types{"integer"}, Description: desc}
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return s
}

func integer(desc string, lo, hi float64) *Schema {
	return &Schema{Type: Types{"integer"}, Description: desc, Minimum: ptr(lo), Maximum: ptr(hi)}
}

func boolean(desc string) *Schema { return &Schema{Type: Types{"boolean"}, Description: desc} }

func array(desc string, items *Schema, maxItems int) *Schema {
	return &Schema{Type: Types{"array"}, Description: desc, Items: items, MaxItems: ptr(maxItems)}
}

// decodeArguments parses the model's arguments. Some models send the object
// JSON-encoded inside a string; that is unwrapped once. Empty means {}.
func decodeArguments(raw json.RawMessage) (any, json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	if raw[0] == '"' {
		var inner string
		if err := json.Unmarshal(raw, &inner); err == nil {
			raw = json.RawMessage(strings.TrimSpace(inner))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("the arguments are not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("the arguments hold more than one JSON value")
	}
	return v, raw, nil
}

// Validate checks v against s and returns readable problems, one per
// offending argument, e.g. "argument `record.ttl`: must be an integer".
func (s *Schema) Validate(v any) []string {
	var errs []string
	s.validate("", v, &errs)
	return errs
}

func argName(path string) string {
	if path == "" {
		return "the arguments"
	}
	return "argument `" + path + "`"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (s *Schema) validate(path string, v any, errs *[]string) {
	if len(s.Type) > 0 && !slices.ContainsFunc(s.Type, func(t string) bool { return hasType(t, v) }) {
		*errs = append(*errs, fmt.Sprintf("%s: must be %s, got %s", argName(path), typeList(s.Type), describe(v)))
		return
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return equalScalar(e, v) }) {
		var names []string
		for _, e := range s.Enum {
			names = append(names, fmt.Sprint(e))
		}
		*errs = append(*errs, fmt.Sprintf("%s: must be one of %s; got %s", argName(path), strings.Join(names, ", "), describe(v)))
		return
	}
	switch t := v.(type) {
	case string:
		n := utf8.RuneCountInString(t)
		if s.MinLength != nil && n < *s.MinLength {
			*errs = append(*errs, fmt.Sprintf("%s: must not be empty", argName(path)))
		}
		if s.MaxLength != nil && n > *s.MaxLength {
			*errs = append(*errs, fmt.Sprintf("%s: must be at most %d characters (got %d)", argName(path), *s.MaxLength, n))
		}
		if s.Pattern != "" {
			if re, err := regexp.Compile(s.Pattern); err == nil && !re.MatchString(t) {
				*errs = append(*errs, fmt.Sprintf("%s: %q does not have the expected form (%s)", argName(path), clip(t, 60), s.Pattern))
			}
		}
	case json.Number:
		f, _ := t.Float64()
		if (s.Minimum != nil && f < *s.Minimum) || (s.Maximum != nil && f > *s.Maximum) {
			*errs = append(*errs, fmt.Sprintf("%s: must be between %s and %s, got %s", argName(path), num(s.Minimum), num(s.Maximum), t))
		}
	case []any:
		if s.MaxItems != nil && len(t) > *s.MaxItems {
			*errs = append(*errs, fmt.Sprintf("%s: must have at most %d items (got %d)", argName(path), *s.MaxItems, len(t)))
			return
		}
		if s.Items != nil {
			for i, e := range t {
				s.Items.validate(fmt.Sprintf("%s[%d]", path, i), e, errs)
			}
		}
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := t[r]; !ok {
				*errs = append(*errs, fmt.Sprintf("%s is required", argName(join(path, r))))
			}
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := s.Properties[k]
			if !ok {
				if s.AdditionalProperties != nil && !*s.AdditionalProperties {
					*errs = append(*errs, fmt.Sprintf("unknown %s (allowed: %s)", argName(join(path, k)), strings.Join(sortedKeys(s.Properties), ", ")))
				}
				continue
			}
			ps.validate(join(path, k), t[k], errs)
		}
	}
}

func sortedKeys(m map[string]*Schema) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func hasType(t string, v any) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
	case "null":
		return v == nil
	}
	return false
}

func typeList(ts Types) string {
	var out []string
	for _, t := range ts {
		switch t {
		case "object", "array", "integer":
			out = append(out, "an "+t)
		default:
			out = append(out, "a "+t)
		}
	}
	return strings.Join(out, " or ")
}

func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", clip(t, 40))
	case json.Number:
		return "number " + t.String()
	case bool:
		return fmt.Sprintf("boolean %t", t)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func equalScalar(e, v any) bool {
	switch ev := e.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == ev
	case int:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == float64(ev)
	}
	return false
}

func num(f *float64) string {
	if f == nil {
		return "any"
	}
	return fmt.Sprintf("%g", *f)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

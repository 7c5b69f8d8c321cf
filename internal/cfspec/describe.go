package cfspec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// problem is one thing wrong with a body or parameter: where (a JSON pointer, or a
// parameter name) and what.
type problem struct {
	at, what string
}

func (p problem) String() string {
	if p.at == "" {
		return p.what
	}
	return p.at + ": " + p.what
}

// describe flattens a kin-openapi validation error into short problems, each naming where
// and what is wrong, without dumping schemas or values (values are untrusted and may be
// large).
func describe(err error) []problem {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []problem
		for _, inner := range e {
			out = append(out, describe(inner)...)
		}
		return out
	case *openapi3filter.RequestError:
		return relocate(requestErrorPrefix(e), describeCause(e.Reason, e.Err))
	case *openapi3filter.ResponseError:
		return describeCause(e.Reason, e.Err)
	case *openapi3.SchemaError:
		return describeSchemaError(e)
	default:
		return []problem{{what: err.Error()}}
	}
}

// describeCause joins a wrapper's reason with the problems of what it wraps.
func describeCause(reason string, cause error) []problem {
	if cause == nil {
		return []problem{{what: reason}}
	}
	inner := describe(cause)
	var schemaErr *openapi3.SchemaError
	var multi openapi3.MultiError
	if errors.As(cause, &schemaErr) || errors.As(cause, &multi) || reason == "" {
		// The wrapper's reason ("response body doesn't match schema ...") adds nothing.
		return inner
	}
	for i := range inner {
		inner[i].what = reason + ": " + inner[i].what
	}
	return inner
}

func requestErrorPrefix(e *openapi3filter.RequestError) string {
	switch {
	case e.Parameter != nil:
		return fmt.Sprintf("%s parameter %q", e.Parameter.In, e.Parameter.Name)
	case e.RequestBody != nil:
		return "request body"
	}
	return ""
}

func describeSchemaError(e *openapi3.SchemaError) []problem {
	where := "/" + strings.Join(e.JSONPointer(), "/")
	switch {
	case e.SchemaField == "oneOf" && nestedErrors(e.Origin) != nil:
		// Alternatives' errors already carry full pointers.
		return annotate(closestBranch(nestedErrors(e.Origin)), "oneOf")
	case e.SchemaField == "anyOf" && e.Schema != nil:
		// kin-openapi keeps no per-alternative errors for anyOf: validate again to find them.
		return relocate(where, annotate(closestBranch(revalidate(e.Schema.AnyOf, e.Value)), "anyOf"))
	case nestedErrors(e.Origin) != nil: // allOf: every failing part is a problem of its own
		return describe(nestedErrors(e.Origin))
	}
	reason := e.Reason
	if reason == "" {
		reason = fmt.Sprintf("does not match %q", e.SchemaField)
	}
	if e.Origin != nil && !errors.Is(e.Origin, openapi3.ErrOneOfConflict) {
		reason = e.Origin.Error()
	}
	return []problem{{at: where, what: reason}}
}

// nestedErrors returns the per-part errors kin-openapi wraps in a SchemaError's origin.
func nestedErrors(origin error) openapi3.MultiError {
	for err := origin; err != nil; err = errors.Unwrap(err) {
		if multi, ok := err.(openapi3.MultiError); ok {
			return multi
		}
	}
	return nil
}

// closestBranch picks the alternative with the fewest problems: for a DNS record of type A
// that is the A-record schema, not the twenty others that reject its type.
func closestBranch(branches openapi3.MultiError) []problem {
	var best []problem
	for _, b := range branches {
		problems := describe(b)
		if best == nil || len(problems) < len(best) {
			best = problems
		}
	}
	return best
}

// revalidate checks value against each alternative, for diagnosis only (read-only and
// write-only rules are ignored since the direction is not known here).
func revalidate(alternatives openapi3.SchemaRefs, value any) openapi3.MultiError {
	var errs openapi3.MultiError
	for _, alt := range alternatives {
		if alt == nil || alt.Value == nil {
			continue
		}
		err := alt.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails(),
			openapi3.DisableReadOnlyValidation(), openapi3.DisableWriteOnlyValidation())
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// annotate marks problems found in the closest alternative of a combinator, once.
func annotate(problems []problem, combinator string) []problem {
	const note = " (in the closest %q alternative)"
	for i := range problems {
		if !strings.Contains(problems[i].what, "closest") {
			problems[i].what += fmt.Sprintf(note, combinator)
		}
	}
	return problems
}

// relocate prefixes each problem's location with base (a JSON pointer or a parameter).
func relocate(base string, problems []problem) []problem {
	for i := range problems {
		switch {
		case base == "" || base == "/":
		case problems[i].at == "" || problems[i].at == "/":
			problems[i].at = base
		case strings.HasPrefix(base, "/"):
			problems[i].at = base + problems[i].at
		default:
			problems[i].at = base + " at " + problems[i].at
		}
	}
	return problems
}

// problemStrings formats problems, dropping repeats (the spec lists some required fields
// twice, and kin-openapi reports each listing).
func problemStrings(problems []problem) []string {
	out := make([]string, 0, len(problems))
	seen := map[string]bool{}
	for _, p := range problems {
		if s := p.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

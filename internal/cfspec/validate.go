package cfspec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Kind says which side of an exchange broke the spec.
type Kind string

const (
	// KindRequest: the request (built by the SDK) does not match the spec.
	KindRequest Kind = "request"
	// KindResponse: the response (sent by the server) does not match the spec.
	KindResponse Kind = "response"
	// KindNotInSpec: the method and path are not in the pruned spec.
	KindNotInSpec Kind = "not in spec"
)

// Violation is one exchange that does not conform to the spec.
type Violation struct {
	Kind     Kind
	Method   string
	Path     string   // request path as sent, without the query
	Route    string   // spec path template, empty when not in spec
	Status   int      // response status, 0 when there was no response
	Problems []string // each names a location (JSON pointer, parameter) and what is wrong
}

func (v *Violation) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cloudflare spec %s violation: %s %s", v.Kind, v.Method, v.Path)
	if v.Route != "" {
		fmt.Fprintf(&b, " (spec path %s)", v.Route)
	}
	if v.Status != 0 {
		fmt.Fprintf(&b, " status %d", v.Status)
	}
	b.WriteString(": ")
	b.WriteString(strings.Join(v.Problems, "; "))
	return b.String()
}

// ValidateExchange checks one request and its response against the spec. It returns nil when
// both conform, otherwise the *Violation values joined (request first, then response).
// resp may be nil to validate only the request.
func (s *Spec) ValidateExchange(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	violations := s.validate(req, reqBody, resp, respBody)
	errs := make([]error, len(violations))
	for i, v := range violations {
		errs[i] = v
	}
	return errors.Join(errs...)
}

func (s *Spec) validate(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []*Violation {
	base := Violation{Method: req.Method, Path: req.URL.Path}
	if resp != nil {
		base.Status = resp.StatusCode
	}
	ctx := req.Context()
	routed := req.Clone(ctx)
	routed.Body = io.NopCloser(bytes.NewReader(reqBody))
	routed.ContentLength = int64(len(reqBody))

	route, pathParams, err := s.findRoute(routed)
	if err != nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) || s.strict {
			v := base
			v.Kind = KindNotInSpec
			v.Problems = []string{err.Error()}
			return []*Violation{&v}
		}
		return nil
	}
	base.Route = route.Path

	options := &openapi3filter.Options{
		MultiError:              true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults:     true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    routed,
		PathParams: pathParams,
		Route:      route,
		Options:    options,
	}

	var requestProblems []problem
	if body := route.Operation.RequestBody; body != nil && body.Value != nil && len(reqBody) > 0 && !isJSONMedia(req.Header.Get("Content-Type")) {
		requestOptions := *options
		requestOptions.ExcludeRequestBody = true
		reqInput.Options = &requestOptions
		requestProblems = checkNonJSONRequestBody(body.Value, req.Header, reqBody)
	}
	if err := openapi3filter.ValidateRequest(ctx, reqInput); err != nil {
		requestProblems = append(requestProblems, describe(err)...)
	}
	reqInput.Options = options

	var violations []*Violation
	if len(requestProblems) > 0 {
		v := base
		v.Kind = KindRequest
		v.Problems = problemStrings(requestProblems)
		violations = append(violations, &v)
	}
	if resp == nil {
		return violations
	}
	if problems := s.validateResponse(ctx, reqInput, resp, respBody); len(problems) > 0 {
		v := base
		v.Kind = KindResponse
		v.Problems = problems
		violations = append(violations, &v)
	}
	return violations
}

// findRoute matches the request path after /client/v4 against the spec's path templates.
func (s *Spec) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	if !strings.HasPrefix(req.URL.Path, apiBasePath+"/") {
		return nil, nil, fmt.Errorf("path is outside %s: %w", apiBasePath, routers.ErrPathNotFound)
	}
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return nil, nil, fmt.Errorf("find %s %s in the spec: %w", req.Method, req.URL.Path, err)
	}
	return route, params, nil
}

func (s *Spec) validateResponse(ctx context.Context, reqInput *openapi3filter.RequestValidationInput, resp *http.Response, body []byte) []string {
	responses := reqInput.Route.Operation.Responses
	documented := responses.Status(resp.StatusCode) != nil || responses.Default() != nil
	if !documented {
		// Rate limits and server errors are rarely documented per operation; an undocumented
		// success status is a real disagreement (e.g. 201 where the API answers 200).
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return []string{fmt.Sprintf("status %d is not documented for this operation", resp.StatusCode)}
		}
		return nil
	}
	contentType := resp.Header.Get("Content-Type")
	if !isJSONMedia(contentType) {
		ref := responses.Status(resp.StatusCode)
		if ref == nil {
			ref = responses.Default()
		}
		return problemStrings(checkNonJSONResponse(ref.Value, contentType))
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                reqInput.Options,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, input); err != nil {
		return problemStrings(describe(err))
	}
	return nil
}

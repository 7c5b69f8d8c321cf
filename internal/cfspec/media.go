package cfspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// isJSONMedia is true for application/json and application/*+json.
func isJSONMedia(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

// checkNonJSONRequestBody validates what kin-openapi cannot decode: the content type must be
// documented, and in a multipart body (a Worker upload) each JSON part named after a schema
// property (the "metadata") is validated; code and other file parts are opaque.
func checkNonJSONRequestBody(body *openapi3.RequestBody, header http.Header, data []byte) []problem {
	contentType := header.Get("Content-Type")
	media := body.Content.Get(contentType)
	if media == nil {
		return []problem{{at: "request body", what: fmt.Sprintf("content type %q is not documented", contentType)}}
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/form-data" || media.Schema == nil || media.Schema.Value == nil {
		return nil
	}
	reader := multipart.NewReader(bytes.NewReader(data), params["boundary"])
	var problems []problem
	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			return problems
		}
		if err != nil {
			return append(problems, problem{at: "request body", what: fmt.Sprintf("malformed multipart body: %v", err)})
		}
		problems = append(problems, checkJSONPart(media.Schema.Value, part)...)
	}
}

func checkJSONPart(schema *openapi3.Schema, part *multipart.Part) []problem {
	defer part.Close()
	prop := schema.Properties[part.FormName()]
	if prop == nil || prop.Value == nil || !prop.Value.Type.Is("object") {
		return nil
	}
	at := fmt.Sprintf("request body part %q", part.FormName())
	var value any
	if err := json.NewDecoder(part).Decode(&value); err != nil {
		return []problem{{at: at, what: fmt.Sprintf("not JSON: %v", err)}}
	}
	err := prop.Value.VisitJSON(value, openapi3.VisitAsRequest(), openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails())
	if err == nil {
		return nil
	}
	return relocate(at, describe(err))
}

// checkNonJSONResponse only checks that the content type is documented: the bodies
// (JavaScript source, a BIND zone file) have a plain string schema.
func checkNonJSONResponse(resp *openapi3.Response, contentType string) []problem {
	if len(resp.Content) == 0 || resp.Content.Get(contentType) != nil {
		return nil
	}
	return []problem{{at: "response body", what: fmt.Sprintf("content type %q is not documented", contentType)}}
}

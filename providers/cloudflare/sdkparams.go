package cloudflare

import (
	"encoding/json"

	"github.com/cloudflare/cloudflare-go/v7/option"
)

// The SDK's params wrap every value in a field type whose constructor
// (cloudflare.F) lives in the SDK's root package, which this module must not
// import (it compiles every service). So path ids are set on the params'
// Value, query values go through option.WithQuery, and JSON bodies are
// written by us and handed over with option.WithRequestBody: the exact
// bytes on the wire are then ours (e.g. an explicit "proxied": false).

// jsonBody replaces a request's body with v encoded as JSON.
func jsonBody(v any) (option.RequestOption, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return option.WithRequestBody("application/json", b), nil
}

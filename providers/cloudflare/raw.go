package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody caps how much of one answer is read (a 5,000-record page is a few MB).
const maxBody = 64 << 20

// envelope is Cloudflare's v4 answer wrapper.
type envelope struct {
	Success    *bool            `json:"success"`
	Errors     []APIErrorDetail `json:"errors"`
	Result     json.RawMessage  `json:"result"`
	ResultInfo *resultInfo      `json:"result_info"`
}

// resultInfo is the paging part of a v4 list answer. The SDK's paging type
// keeps only page/per_page, so the totals are read here.
type resultInfo struct {
	Page       int    `json:"page"`
	PerPage    int    `json:"per_page"`
	TotalCount *int   `json:"total_count"`
	TotalPages *int   `json:"total_pages"`
	Cursor     string `json:"cursor"` // audit logs v2
}

// rawCall sends one request without the SDK (for endpoints it lacks) through
// the same transport, and returns the body of a non-error answer.
func (c *Client) rawCall(ctx context.Context, method, path string, query url.Values, body any) ([]byte, error) {
	u := *c.baseURL
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, normalize(ctx, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, normalize(ctx, err)
	}
	if res.StatusCode >= 400 {
		apiErr := &APIError{Status: res.StatusCode}
		var env envelope
		if json.Unmarshal(data, &env) == nil {
			apiErr.Errors = env.Errors
		}
		if res.StatusCode == http.StatusTooManyRequests {
			apiErr.RetryAfter = retryAfter(res.Header, c.transport.now())
		}
		return nil, apiErr
	}
	return data, nil
}

// rawV4 sends one request and unwraps the v4 envelope.
func (c *Client) rawV4(ctx context.Context, method, path string, query url.Values, body any) (*envelope, error) {
	data, err := c.rawCall(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, &decodeError{err: err}
	}
	if env.Success != nil && !*env.Success {
		return nil, &APIError{Status: http.StatusOK, Errors: env.Errors}
	}
	return &env, nil
}

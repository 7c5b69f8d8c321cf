package cloudflare

import (
	"context"
	"fmt"
)

// maxPages guards against an API that never says it is done.
const maxPages = 1000

// listEnvelope is a v4 list answer decoded into our own item type: the
// SDK's item types are heavy unions, so list calls go through the SDK for the
// request and land here via option.WithResponseBodyInto.
type listEnvelope[T any] struct {
	Success    *bool            `json:"success"`
	Errors     []APIErrorDetail `json:"errors"`
	Result     []T              `json:"result"`
	ResultInfo resultInfo       `json:"result_info"`
}

// pageFetcher reads one page (1-based) of a list.
type pageFetcher[T any] func(ctx context.Context, page int) (listEnvelope[T], error)

// fetchAllPages reads a page-numbered list without asking for an extra empty
// page: it stops at result_info.total_pages, else total_count, else at a
// short page. A failed page fails the whole list (with the page number), and
// a list whose pages don't add up to the announced total is reported as
// incomplete rather than passed off as the full set.
func fetchAllPages[T any](ctx context.Context, c *Client, op string, perPage int, fetch pageFetcher[T]) ([]T, error) {
	var all []T
	for page := 1; page <= maxPages; page++ {
		var env listEnvelope[T]
		err := c.read(ctx, op, func(ctx context.Context) error {
			var e error
			env, e = fetch(ctx, page)
			if e == nil && env.Success != nil && !*env.Success {
				return &APIError{Status: 200, Errors: env.Errors}
			}
			return e
		})
		if err != nil {
			if page == 1 {
				return nil, err
			}
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		all = append(all, env.Result...)
		info := env.ResultInfo
		size := perPage
		if info.PerPage > 0 {
			size = info.PerPage
		}
		switch {
		case info.TotalPages != nil:
			if page >= *info.TotalPages {
				return all, checkTotal(all, info)
			}
			if len(env.Result) < size {
				return nil, fmt.Errorf("page %d of %d held %d items, fewer than the %d a full page holds: the answer was cut short", page, *info.TotalPages, len(env.Result), size)
			}
		case info.TotalCount != nil:
			if len(all) >= *info.TotalCount || len(env.Result) == 0 {
				return all, checkTotal(all, info)
			}
		default:
			if len(env.Result) < size {
				return all, nil
			}
		}
	}
	return nil, fmt.Errorf("stopped after %d pages without reaching the end of the list", maxPages)
}

func checkTotal[T any](all []T, info resultInfo) error {
	if info.TotalCount != nil && len(all) != *info.TotalCount {
		return fmt.Errorf("read %d items but the API announced %d: the list changed or was cut short while paging", len(all), *info.TotalCount)
	}
	return nil
}

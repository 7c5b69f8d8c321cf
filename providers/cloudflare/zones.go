package cloudflare

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"
)

const zonesPerPage = 50

type apiZone struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Account struct {
		ID string `json:"id"`
	} `json:"account"`
}

// listZones reads every zone the token sees (or only the one named), and
// caches their ids.
func (c *Client) listZones(ctx context.Context, name string) ([]apiZone, error) {
	op := "list zones"
	if name != "" {
		op = "look up zone " + name
	}
	got, err := fetchAllPages(ctx, c, op, zonesPerPage, func(ctx context.Context, page int) (listEnvelope[apiZone], error) {
		var env listEnvelope[apiZone]
		opts := []option.RequestOption{
			option.WithQuery("page", strconv.Itoa(page)),
			option.WithQuery("per_page", strconv.Itoa(zonesPerPage)),
			option.WithResponseBodyInto(&env),
		}
		if name != "" {
			opts = append(opts, option.WithQuery("name", name))
		}
		_, err := c.zoneSvc.List(ctx, zones.ZoneListParams{}, opts...)
		return env, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, z := range got {
		c.rememberZone(z.ID, z.Name, z.Account.ID)
	}
	return got, nil
}

// zoneID resolves a zone name to its id, from the cache or one lookup.
func (c *Client) zoneID(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("the change names no zone")
	}
	if id, ok := c.cachedZoneID(name); ok {
		return id, nil
	}
	found, err := c.listZones(ctx, name)
	if err != nil {
		return "", err
	}
	for _, z := range found {
		if z.Name == name {
			return z.ID, nil
		}
	}
	return "", fmt.Errorf("zone %s does not exist or this token cannot see it", name)
}

// accountIDFor returns the configured or discovered account id, listing
// the zones once if nothing told it yet.
func (c *Client) accountIDFor(ctx context.Context) (string, error) {
	if id := c.knownAccountID(); id != "" {
		return id, nil
	}
	if _, err := c.listZones(ctx, ""); err != nil {
		return "", fmt.Errorf("discover the account id: %w", err)
	}
	if id := c.knownAccountID(); id != "" {
		return id, nil
	}
	return "", errUnknownAccount
}

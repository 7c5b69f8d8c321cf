package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/option"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// zoneResourcePrefix starts a policy resource key naming one zone.
const zoneResourcePrefix = "com.cloudflare.api.account.zone."

// VerifyToken says whether the token is valid and, when the token may read
// its own details, what it may do.
func (c *Client) VerifyToken(ctx context.Context) (infra.TokenInfo, error) {
	var verified struct {
		Result struct {
			ID        string     `json:"id"`
			Status    string     `json:"status"`
			ExpiresOn *time.Time `json:"expires_on"`
		} `json:"result"`
	}
	err := c.read(ctx, "verify the API token", func(ctx context.Context) error {
		_, e := c.tokens.Verify(ctx, option.WithResponseBodyInto(&verified))
		return e
	})
	if err != nil {
		return infra.TokenInfo{}, fmt.Errorf("verify the API token: %w", err)
	}
	info := infra.TokenInfo{ID: verified.Result.ID, Status: verified.Result.Status, ExpiresOn: verified.Result.ExpiresOn}
	if info.ExpiresOn != nil && info.ExpiresOn.IsZero() {
		info.ExpiresOn = nil
	}
	if info.ID == "" {
		return info, nil
	}

	var details struct {
		Result struct {
			Policies []struct {
				Effect           string `json:"effect"`
				PermissionGroups []struct {
					Name string `json:"name"`
				} `json:"permission_groups"`
				Resources map[string]json.RawMessage `json:"resources"`
			} `json:"policies"`
		} `json:"result"`
	}
	err = c.read(ctx, "read the API token's policies", func(ctx context.Context) error {
		_, e := c.tokens.Get(ctx, info.ID, option.WithResponseBodyInto(&details))
		return e
	})
	if isStatus(err, http.StatusForbidden) || isStatus(err, http.StatusUnauthorized) || isStatus(err, http.StatusNotFound) {
		return info, nil // a token without "API Tokens Read" cannot see itself: Known stays false
	}
	if err != nil {
		return info, fmt.Errorf("read the API token's policies: %w", err)
	}
	info.Known = true
	allZones := false
	var zoneIDs []string
	for _, p := range details.Result.Policies {
		if p.Effect == "deny" {
			continue
		}
		for _, g := range p.PermissionGroups {
			if !slices.Contains(info.Permissions, g.Name) {
				info.Permissions = append(info.Permissions, g.Name)
			}
			if strings.Contains(g.Name, "Write") || strings.Contains(g.Name, "Edit") {
				info.CanWrite = true
			}
		}
		for key := range p.Resources {
			if id, ok := strings.CutPrefix(key, zoneResourcePrefix); ok && id != "*" {
				zoneIDs = append(zoneIDs, id)
			} else {
				allZones = true // an account or every zone
			}
		}
	}
	if !allZones {
		names, err := c.zoneNamesOf(ctx, zoneIDs)
		if err != nil {
			return info, fmt.Errorf("name the token's zones: %w", err)
		}
		info.Zones = names
	}
	return info, nil
}

// zoneNamesOf maps zone ids to names, listing the zones once if any is unknown.
func (c *Client) zoneNamesOf(ctx context.Context, ids []string) ([]string, error) {
	names := make([]string, 0, len(ids))
	listed := false
	for _, id := range ids {
		name, ok := c.cachedZoneName(id)
		if !ok && !listed {
			if _, err := c.listZones(ctx, ""); err != nil {
				return nil, err
			}
			listed = true
			name, ok = c.cachedZoneName(id)
		}
		if !ok {
			name = id // not visible to the token itself: keep the id rather than drop it
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

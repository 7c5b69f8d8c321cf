package cfsim

import (
	"net/http"
	"sort"
	"strings"
)

func (s *Server) zoneJSON(z *zoneState) map[string]any {
	created := ts(z.CreatedOn)
	return map[string]any{
		"id": z.ID, "name": z.Name, "status": "active", "paused": false, "type": "full", "development_mode": 0,
		"name_servers":          []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"},
		"original_name_servers": nil, "original_registrar": nil, "original_dnshost": nil,
		"created_on": created, "modified_on": created, "activated_on": created,
		"meta":                map[string]any{"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": false},
		"owner":               map[string]any{"id": s.st.ownerID, "type": "user", "name": ""},
		"account":             map[string]any{"id": s.st.account.ID, "name": s.st.account.Name},
		"permissions":         []string{"#dns_records:read", "#zone:read", "#zone_settings:read"},
		"plan":                map[string]any{"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0, "currency": "USD", "frequency": "", "is_subscribed": false, "can_subscribe": false, "legacy_id": "free", "legacy_discount": false, "externally_managed": false},
		"vanity_name_servers": []string{},
	}
}

var zoneStatuses = map[string]bool{"initializing": true, "pending": true, "active": true, "moved": true}

func (s *Server) listZones(c *call) (any, any, *apiError) {
	page, perPage, err := c.pageParams(20, 50)
	if err != nil {
		return nil, nil, err
	}
	name, status := strings.ToLower(c.query.Get("name")), c.query.Get("status")
	if status != "" && !zoneStatuses[status] {
		return nil, nil, badParam("status", "initializing, pending, active or moved")
	}
	accID, accName := c.query.Get("account.id"), c.query.Get("account.name")
	dir := c.query.Get("direction")
	if dir != "" && dir != "asc" && dir != "desc" {
		return nil, nil, badParam("direction", "asc or desc")
	}
	var zones []*zoneState
	for _, z := range s.st.zones {
		if !c.tok.seesZone(z.ID) || (name != "" && !matchZoneName(z.Name, name)) || (status != "" && status != "active") ||
			(accID != "" && accID != s.st.account.ID) || (accName != "" && accName != s.st.account.Name) {
			continue
		}
		zones = append(zones, z)
	}
	sort.SliceStable(zones, func(i, j int) bool {
		if dir == "desc" {
			return zones[i].Name > zones[j].Name
		}
		return zones[i].Name < zones[j].Name
	})
	items, info := paginate(zones, page, perPage)
	out := make([]map[string]any, 0, len(items))
	for _, z := range items {
		out = append(out, s.zoneJSON(z))
	}
	return out, info, nil
}

// matchZoneName supports the name filter's exact form and its
// contains:/starts_with:/ends_with: prefixes.
func matchZoneName(zone, filter string) bool {
	switch {
	case strings.HasPrefix(filter, "contains:"):
		return strings.Contains(zone, strings.TrimPrefix(filter, "contains:"))
	case strings.HasPrefix(filter, "starts_with:"):
		return strings.HasPrefix(zone, strings.TrimPrefix(filter, "starts_with:"))
	case strings.HasPrefix(filter, "ends_with:"):
		return strings.HasSuffix(zone, strings.TrimPrefix(filter, "ends_with:"))
	}
	return zone == filter
}

func (s *Server) getZone(c *call) (any, any, *apiError) {
	return s.zoneJSON(c.zone), nil, nil
}

// settings

func settingToJSON(id string, st *setting) map[string]any {
	var mod any
	if st.ModifiedOn != nil {
		mod = ts(*st.ModifiedOn)
	}
	return map[string]any{"id": id, "value": st.Value, "editable": true, "modified_on": mod}
}

func (s *Server) listSettings(c *call) (any, any, *apiError) {
	out := []map[string]any{}
	for _, id := range sortedKeys(c.zone.Settings) {
		out = append(out, settingToJSON(id, c.zone.Settings[id]))
	}
	return out, nil, nil
}

func (s *Server) getSetting(c *call) (any, any, *apiError) {
	id := c.params["setting_id"]
	st, ok := c.zone.Settings[id]
	if !ok {
		if _, known := settingRules[id]; !known {
			return nil, nil, errf(http.StatusBadRequest, codeUnknownSetting, "Unrecognized zone setting name %q.", id)
		}
		return nil, nil, errf(http.StatusNotFound, codeUnknownSetting, "Zone setting %s is not available on this zone's plan.", id)
	}
	return settingToJSON(id, st), nil, nil
}

func (s *Server) patchSetting(c *call) (any, any, *apiError) {
	var body struct {
		Value   rawValue `json:"value"`
		Enabled *bool    `json:"enabled"`
	}
	if err := c.decodeBody(&body); err != nil {
		return nil, nil, err
	}
	id := c.params["setting_id"]
	if !body.Value.set {
		if _, known := settingRules[id]; !known {
			return nil, nil, errf(http.StatusBadRequest, codeUnknownSetting, "Unrecognized zone setting name %q.", id)
		}
		return nil, nil, errf(http.StatusBadRequest, codeInvalidSetting, "Invalid value for zone setting %s: the body needs a value.", id)
	}
	st, err := s.st.editSetting(c.zone, id, body.Value.raw, c.actor())
	if err != nil {
		return nil, nil, err
	}
	return settingToJSON(id, st), nil, nil
}

// rawValue keeps a JSON value as given and remembers whether it was present.
type rawValue struct {
	raw []byte
	set bool
}

func (v *rawValue) UnmarshalJSON(b []byte) error {
	v.raw, v.set = append([]byte(nil), b...), true
	return nil
}

package cfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// settingRule says which values a zone setting takes (from the OpenAPI
// spec's per-setting schemas).
type settingRule struct {
	enum   []string // string values
	nums   []int    // numeric enum
	lo, hi int      // integer range when hi > 0
	object bool     // a JSON object
}

var onOff = settingRule{enum: []string{"on", "off"}}

var settingRules = map[string]settingRule{
	"0rtt": onOff, "advanced_ddos": onOff, "always_online": onOff, "always_use_https": onOff,
	"automatic_https_rewrites": onOff, "brotli": onOff, "browser_check": onOff,
	"browser_cache_ttl": {lo: 0, hi: 31536000},
	"cache_level":       {enum: []string{"aggressive", "basic", "simplified"}},
	"challenge_ttl":     {nums: []int{300, 900, 1800, 2700, 3600, 7200, 10800, 14400, 28800, 57600, 86400, 604800, 2592000, 31536000}},
	"cname_flattening":  {enum: []string{"flatten_at_root", "flatten_all"}},
	"development_mode":  onOff, "early_hints": onOff, "email_obfuscation": onOff, "hotlink_protection": onOff,
	"http2": onOff, "http3": onOff, "ip_geolocation": onOff, "ipv6": onOff,
	"max_upload":      {nums: []int{100, 125, 150, 175, 200, 225, 250, 275, 300, 325, 350, 375, 400, 425, 450, 475, 500, 1000}},
	"min_tls_version": {enum: []string{"1.0", "1.1", "1.2", "1.3"}},
	"mirage":          onOff, "opportunistic_encryption": onOff, "opportunistic_onion": onOff,
	"origin_error_page_pass_thru": onOff, "polish": {enum: []string{"off", "lossless", "lossy"}},
	"prefetch_preload": onOff, "privacy_pass": onOff, "response_buffering": onOff, "rocket_loader": onOff,
	"security_header":     {object: true},
	"security_level":      {enum: []string{"off", "essentially_off", "low", "medium", "high", "under_attack"}},
	"server_side_exclude": onOff, "sort_query_string_for_cache": onOff,
	"ssl":             {enum: []string{"off", "flexible", "full", "strict"}},
	"tls_1_3":         {enum: []string{"on", "off", "zrt"}},
	"tls_client_auth": onOff, "true_client_ip_header": onOff, "waf": onOff, "webp": onOff, "websockets": onOff,
	"pseudo_ipv4": {enum: []string{"off", "add_header", "overwrite_header"}},
}

// defaultSettings is what a fresh zone has before the scenario overrides it.
var defaultSettings = map[string]any{
	"0rtt": "off", "always_online": "off", "always_use_https": "off", "automatic_https_rewrites": "on",
	"brotli": "on", "browser_cache_ttl": 14400, "browser_check": "on", "cache_level": "aggressive",
	"challenge_ttl": 1800, "development_mode": "off", "early_hints": "off", "email_obfuscation": "on",
	"hotlink_protection": "off", "http2": "on", "http3": "on", "ip_geolocation": "on", "ipv6": "on",
	"max_upload": 100, "min_tls_version": "1.0", "opportunistic_encryption": "on", "rocket_loader": "off",
	"security_level": "medium", "ssl": "full", "tls_1_3": "on", "waf": "off", "websockets": "on",
}

// validateSetting checks a JSON value against the setting's rule.
func validateSetting(id string, raw json.RawMessage) *apiError {
	rule, ok := settingRules[id]
	if !ok {
		return errf(http.StatusBadRequest, codeUnknownSetting, "Unrecognized zone setting name %q.", id)
	}
	invalid := errf(http.StatusBadRequest, codeInvalidSetting, "Invalid value for zone setting %s.", id)
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return invalid
	}
	switch {
	case rule.object:
		if _, ok := v.(map[string]any); !ok {
			return invalid
		}
	case len(rule.enum) > 0:
		s, ok := v.(string)
		if !ok || !slices.Contains(rule.enum, s) {
			return errf(http.StatusBadRequest, codeInvalidSetting, "Invalid value for zone setting %s; use one of %s.", id, strings.Join(rule.enum, ", "))
		}
	case len(rule.nums) > 0:
		n, ok := intOf(v)
		if !ok || !slices.Contains(rule.nums, n) {
			return invalid
		}
	default:
		n, ok := intOf(v)
		if !ok || n < rule.lo || n > rule.hi {
			return errf(http.StatusBadRequest, codeInvalidSetting, "Invalid value for zone setting %s; use an integer from %d to %d.", id, rule.lo, rule.hi)
		}
	}
	return nil
}

// coerceSetting turns a YAML scalar into the JSON type the setting takes,
// so `min_tls_version: 1.2` and `waf: true` mean what the author meant.
func coerceSetting(id string, v any) (json.RawMessage, error) {
	rule, ok := settingRules[id]
	if !ok {
		return nil, fmt.Errorf("unknown zone setting %q", id)
	}
	if len(rule.enum) > 0 {
		switch x := v.(type) {
		case bool:
			v = map[bool]string{true: "on", false: "off"}[x]
		case float64:
			v = strconv.FormatFloat(x, 'f', 1, 64)
		case int:
			v = strconv.Itoa(x)
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", id, err)
	}
	if e := validateSetting(id, raw); e != nil {
		return nil, fmt.Errorf("%s", strings.TrimSuffix(e.Message, "."))
	}
	return raw, nil
}

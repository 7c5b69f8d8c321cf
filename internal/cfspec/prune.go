package cfspec

import (
	"encoding/json"
	"fmt"
	"strings"
)

// UsedPaths returns the spec's path templates that driftdeck calls, written exactly as the
// spec names them (rulesets are shared by accounts and zones in the spec, hence the first
// segment). A function, not a variable, so no caller can change the list for everyone.
func UsedPaths() []string {
	return []string{
		"/user/tokens/verify",
		"/user/tokens/{token_id}",
		"/accounts/{account_id}",
		"/zones",
		"/zones/{zone_id}",
		"/zones/{zone_id}/dns_records",
		"/zones/{zone_id}/dns_records/{dns_record_id}",
		"/zones/{zone_id}/dns_records/export",
		"/zones/{zone_id}/settings",
		"/zones/{zone_id}/settings/{setting_id}",
		"/{accounts_or_zones}/{account_or_zone_id}/rulesets",
		"/{accounts_or_zones}/{account_or_zone_id}/rulesets/{ruleset_id}",
		"/{accounts_or_zones}/{account_or_zone_id}/rulesets/phases/{ruleset_phase}/entrypoint",
		"/{accounts_or_zones}/{account_or_zone_id}/rulesets/{ruleset_id}/rules",
		"/{accounts_or_zones}/{account_or_zone_id}/rulesets/{ruleset_id}/rules/{rule_id}",
		"/accounts/{account_id}/workers/scripts",
		"/accounts/{account_id}/workers/scripts/{script_name}",
		"/zones/{zone_id}/workers/routes",
		"/zones/{zone_id}/workers/routes/{route_id}",
		"/zones/{zone_id}/purge_cache",
		"/accounts/{account_id}/logs/audit",
	}
}

// PruneStats says how much of the full spec a pruned document kept.
type PruneStats struct {
	PathsBefore, PathsAfter           int
	ComponentsBefore, ComponentsAfter int
}

// prune keeps only the given paths and the components they reference transitively, so
// kin-openapi loads a few hundred schemas instead of thousands.
func prune(raw []byte, keep []string) ([]byte, PruneStats, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, PruneStats{}, fmt.Errorf("parse spec JSON: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	components, _ := doc["components"].(map[string]any)
	if paths == nil || components == nil {
		return nil, PruneStats{}, fmt.Errorf("parse spec JSON: no paths or components")
	}

	stats := PruneStats{PathsBefore: len(paths), ComponentsBefore: countComponents(components)}
	keptPaths := make(map[string]any, len(keep))
	for _, p := range keep {
		item, ok := paths[p]
		if !ok {
			return nil, stats, fmt.Errorf("prune spec: path %s is not in the spec", p)
		}
		keptPaths[p] = item
	}

	// Security schemes are referenced by name, not by $ref, so they are kept whole.
	kept := map[string]map[string]any{"securitySchemes": asMap(components["securitySchemes"])}
	queue := collectRefs(keptPaths, nil)
	seen := map[string]bool{}
	for len(queue) > 0 {
		ref := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		kind, name, err := splitComponentRef(ref)
		if err != nil {
			return nil, stats, err
		}
		value, ok := asMap(components[kind])[name]
		if !ok {
			return nil, stats, fmt.Errorf("prune spec: %s points nowhere", ref)
		}
		if kept[kind] == nil {
			kept[kind] = map[string]any{}
		}
		kept[kind][name] = value
		queue = collectRefs(value, queue)
	}

	keptComponents := make(map[string]any, len(kept))
	for kind, values := range kept {
		keptComponents[kind] = values
	}
	doc["paths"] = keptPaths
	doc["components"] = keptComponents
	stats.PathsAfter = len(keptPaths)
	stats.ComponentsAfter = countComponents(keptComponents)

	out, err := json.Marshal(doc)
	if err != nil {
		return nil, stats, fmt.Errorf("encode pruned spec: %w", err)
	}
	return out, stats, nil
}

// collectRefs appends every $ref string found under node to refs.
func collectRefs(node any, refs []string) []string {
	switch v := node.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			refs = append(refs, ref)
		}
		for _, child := range v {
			refs = collectRefs(child, refs)
		}
	case []any:
		for _, child := range v {
			refs = collectRefs(child, refs)
		}
	}
	return refs
}

// splitComponentRef turns "#/components/schemas/x" into ("schemas", "x").
func splitComponentRef(ref string) (kind, name string, err error) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", fmt.Errorf("prune spec: unsupported reference %q", ref)
	}
	kind, name, ok = strings.Cut(rest, "/")
	if !ok || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("prune spec: unsupported reference %q", ref)
	}
	// JSON pointer escapes (~1 for /, ~0 for ~) never appear in Cloudflare's component names,
	// but decode them so a future name with them still resolves.
	name = strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
	return kind, name, nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func countComponents(components map[string]any) int {
	n := 0
	for _, values := range components {
		n += len(asMap(values))
	}
	return n
}

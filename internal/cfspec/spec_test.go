package cfspec

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestLoadPrunesToUsedPaths(t *testing.T) {
	cacheDir := t.TempDir()
	first, err := Load(context.Background(), WithCacheDir(cacheDir))
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	info := first.Info()
	if info.FromCache {
		t.Fatalf("first load into an empty cache dir claims to come from cache")
	}
	if info.CacheError != nil {
		t.Fatalf("write cache: %v", info.CacheError)
	}
	if info.Prune.PathsBefore < 1000 || info.Prune.PathsAfter != len(UsedPaths()) {
		t.Fatalf("prune kept %d of %d paths, want %d of the full spec", info.Prune.PathsAfter, info.Prune.PathsBefore, len(UsedPaths()))
	}
	if info.Prune.ComponentsAfter >= info.Prune.ComponentsBefore {
		t.Fatalf("prune kept %d of %d components, want fewer", info.Prune.ComponentsAfter, info.Prune.ComponentsBefore)
	}
	t.Logf("sdk %s: kept %d/%d paths, %d/%d components; load took %v",
		info.SDKVersion, info.Prune.PathsAfter, info.Prune.PathsBefore,
		info.Prune.ComponentsAfter, info.Prune.ComponentsBefore, info.Duration)

	paths := first.Paths()
	for _, want := range UsedPaths() {
		if !slices.Contains(paths, want) {
			t.Errorf("pruned spec lacks %s", want)
		}
	}
	if slices.Contains(paths, "/zones/{zone_id}/dns_records/batch") {
		t.Errorf("pruned spec still has a path driftdeck does not use")
	}

	second, err := Load(context.Background(), WithCacheDir(cacheDir))
	if err != nil {
		t.Fatalf("load spec from cache: %v", err)
	}
	if !second.Info().FromCache || second.Info().CachePath != info.CachePath {
		t.Fatalf("second load did not use the cache file %s: %+v", info.CachePath, second.Info())
	}
	if _, err := os.Stat(info.CachePath); err != nil {
		t.Fatalf("cache file: %v", err)
	}
	t.Logf("cached load took %v", second.Info().Duration)
}

func TestEveryQuirkIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatalf("read package documentation: %v", err)
	}
	seen := map[string]bool{}
	for _, q := range Quirks() {
		if seen[q.Name] {
			t.Errorf("quirk %s is listed twice", q.Name)
		}
		seen[q.Name] = true
		if q.Reason == "" || (q.patchJSON == nil) == (q.patchDoc == nil) {
			t.Errorf("quirk %s needs a reason and exactly one patch", q.Name)
		}
		if !strings.Contains(string(doc), "//   - "+q.Name+":") {
			t.Errorf("quirk %s is not described in doc.go", q.Name)
		}
	}
}

package cfspec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// apiBasePath is the path prefix of Cloudflare's v4 API on every host (real or simulated).
const apiBasePath = "/client/v4"

// pruneFormat changes whenever prune's output changes, so stale cache files are ignored.
const pruneFormat = "prune-v1"

// Spec is the pruned Cloudflare OpenAPI document with the known quirks patched, ready to
// validate HTTP exchanges. It is safe for concurrent use once loaded.
type Spec struct {
	doc    *openapi3.T
	router routers.Router
	strict bool
	info   LoadInfo
}

// LoadInfo describes where a Spec came from and how much of the full spec it kept.
type LoadInfo struct {
	SDKVersion string        // cloudflare-go module version the spec was taken from
	CachePath  string        // pruned spec file on disk
	FromCache  bool          // true when the pruned spec was read from CachePath
	CacheError error         // why the pruned spec could not be written to CachePath, if so
	Prune      PruneStats    // zero when read from cache
	Duration   time.Duration // wall time of Load
}

// Option tunes Load.
type Option func(*loadConfig)

type loadConfig struct {
	cacheDir string
	strict   bool
}

// WithCacheDir stores the pruned spec in dir instead of os.UserCacheDir()/driftdeck.
func WithCacheDir(dir string) Option { return func(c *loadConfig) { c.cacheDir = dir } }

// WithStrict makes exchanges on paths outside the pruned spec violations ("not in spec")
// instead of being let through silently.
func WithStrict() Option { return func(c *loadConfig) { c.strict = true } }

// Load finds the spec embedded in the cloudflare-go module of go.mod, prunes it to the paths
// driftdeck uses (cached on disk per SDK version), loads it and patches the known quirks.
func Load(ctx context.Context, opts ...Option) (*Spec, error) {
	started := time.Now()
	cfg := loadConfig{}
	for _, opt := range opts {
		opt(&cfg)
	}
	sdk, err := locateSDK(ctx)
	if err != nil {
		return nil, fmt.Errorf("load cloudflare spec: %w", err)
	}
	pruned, info, err := prunedSpec(sdk, cfg.cacheDir)
	if err != nil {
		return nil, fmt.Errorf("load cloudflare spec: %w", err)
	}
	spec, err := newSpec(pruned)
	if err != nil {
		return nil, fmt.Errorf("load cloudflare spec %s: %w", info.CachePath, err)
	}
	spec.strict = cfg.strict
	info.Duration = time.Since(started)
	spec.info = info
	return spec, nil
}

// Info says where the spec came from.
func (s *Spec) Info() LoadInfo { return s.info }

// Paths lists the path templates of the loaded (pruned) spec.
func (s *Spec) Paths() []string { return s.doc.Paths.InMatchingOrder() }

// newSpec loads a pruned JSON spec, patches quirks and builds the router.
func newSpec(pruned []byte) (*Spec, error) {
	var raw map[string]any
	if err := json.Unmarshal(pruned, &raw); err != nil {
		return nil, fmt.Errorf("parse pruned spec: %w", err)
	}
	if err := applyJSONQuirks(raw); err != nil {
		return nil, err
	}
	patched, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("encode patched spec: %w", err)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(patched)
	if err != nil {
		return nil, fmt.Errorf("load pruned spec: %w", err)
	}
	if err := applyDocQuirks(doc); err != nil {
		return nil, err
	}
	// Requests go to the simulator or to api.cloudflare.com alike: route on the path only.
	doc.Servers = openapi3.Servers{{URL: apiBasePath}}
	// doc.Validate is not run: Cloudflare's spec has harmless authoring slips (duplicate
	// names in "required") that it rejects, and they do not affect validating exchanges.
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	return &Spec{doc: doc, router: router}, nil
}

// prunedSpec returns the pruned spec JSON, from the cache when an earlier run left it there.
func prunedSpec(sdk sdkLocation, cacheDir string) ([]byte, LoadInfo, error) {
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cacheDir = filepath.Join(base, "driftdeck")
	}
	info := LoadInfo{SDKVersion: sdk.Version, CachePath: filepath.Join(cacheDir, cacheFileName(sdk))}
	if data, err := os.ReadFile(info.CachePath); err == nil {
		info.FromCache = true
		return data, info, nil
	}

	raw, err := extractEmbeddedSpec(sdk.Dir)
	if err != nil {
		return nil, info, err
	}
	pruned, stats, err := prune(raw, UsedPaths())
	if err != nil {
		return nil, info, err
	}
	info.Prune = stats
	// A cache that cannot be written only costs speed on the next run.
	info.CacheError = writeFileAtomic(info.CachePath, pruned)
	return pruned, info, nil
}

// cacheFileName keys the cache on the SDK version and the pruning inputs.
func cacheFileName(sdk sdkLocation) string {
	sum := sha256.Sum256([]byte(pruneFormat + "\n" + sdk.Dir + "\n" + strings.Join(UsedPaths(), "\n")))
	version := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(sdk.Version)
	if version == "" {
		version = "unversioned"
	}
	return fmt.Sprintf("cfspec-%s-%s.json", version, hex.EncodeToString(sum[:6]))
}

// writeFileAtomic writes through a temporary file so a concurrent reader never sees half a spec.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create cache dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create cache file: %w", err)
	}
	_, writeErr := tmp.Write(data)
	closeErr := tmp.Close()
	if err := errors.Join(writeErr, closeErr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write cache file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("move cache file into place: %w", err)
	}
	return nil
}

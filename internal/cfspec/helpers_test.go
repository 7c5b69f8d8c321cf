package cfspec

import (
	"context"
	"sync"
	"testing"
)

// loadedSpec loads the spec once per test binary: it is read-only after Load, and loading it
// in every test would only repeat the same work.
var loadedSpec = sync.OnceValues(func() (*Spec, error) {
	return Load(context.Background())
})

func testSpec(t *testing.T) *Spec {
	t.Helper()
	spec, err := loadedSpec()
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	return spec
}

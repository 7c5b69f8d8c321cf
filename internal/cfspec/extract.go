package cfspec

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// sdkModule is the module whose scripts/mock embeds the OpenAPI spec the SDK was generated from.
const sdkModule = "github.com/cloudflare/cloudflare-go/v7"

// specLinePrefix starts the line of scripts/mock that holds the base64 of the gzipped spec.
const specLinePrefix = `EMBEDDED_SPEC="`

// sdkLocation is where the SDK module lives on disk and which version it is.
type sdkLocation struct {
	Version string
	Dir     string
}

// locateSDK asks the go tool where the SDK module is, so the spec always matches the SDK in go.mod.
func locateSDK(ctx context.Context) (sdkLocation, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}\t{{.Dir}}", sdkModule)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return sdkLocation{}, fmt.Errorf("locate module %s with go list: %w: %s", sdkModule, err, strings.TrimSpace(stderr.String()))
	}
	version, dir, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if !ok || dir == "" {
		return sdkLocation{}, fmt.Errorf("locate module %s: go list gave no directory (run go mod download %s)", sdkModule, sdkModule)
	}
	return sdkLocation{Version: version, Dir: dir}, nil
}

// extractEmbeddedSpec returns the JSON spec embedded in the SDK's scripts/mock.
func extractEmbeddedSpec(sdkDir string) ([]byte, error) {
	script := filepath.Join(sdkDir, "scripts", "mock")
	f, err := os.Open(script)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", script, err)
	}
	defer f.Close()

	reader := bufio.NewReaderSize(f, 1<<20)
	for {
		line, readErr := reader.ReadString('\n')
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, specLinePrefix) {
			encoded := strings.TrimSuffix(strings.TrimPrefix(trimmed, specLinePrefix), `"`)
			return decodeEmbeddedSpec(encoded)
		}
		if readErr == io.EOF {
			return nil, fmt.Errorf("find %s in %s: no such line", strings.TrimSuffix(specLinePrefix, `="`), script)
		}
		if readErr != nil {
			return nil, fmt.Errorf("read %s: %w", script, readErr)
		}
	}
}

// decodeEmbeddedSpec undoes the base64 and gzip layers around the spec.
func decodeEmbeddedSpec(encoded string) ([]byte, error) {
	gz, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("decode embedded spec base64: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("open embedded spec gzip: %w", err)
	}
	defer zr.Close()
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompress embedded spec: %w", err)
	}
	return raw, nil
}

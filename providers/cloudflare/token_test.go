package cloudflare

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestVerifyTokenReadsPolicies(t *testing.T) {
	forbid := false
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch apiPath(r) {
		case "/user/tokens/verify":
			writeJSON(w, 200, ok(map[string]any{"id": "tok1", "status": "active", "expires_on": "2030-01-01T00:00:00Z"}))
		case "/user/tokens/tok1":
			if forbid {
				writeJSON(w, 403, failure(9109, "Unauthorized to access requested resource"))
				return
			}
			writeJSON(w, 200, ok(map[string]any{"id": "tok1", "name": "ci", "status": "active", "policies": []any{
				map[string]any{"id": "p1", "effect": "allow",
					"permission_groups": []any{map[string]any{"id": "g1", "name": "DNS Write"}, map[string]any{"id": "g2", "name": "Zone Read"}},
					"resources":         map[string]any{"com.cloudflare.api.account.zone.z1": "*"}},
			}}))
		case "/zones":
			zonesHandler(w)
		default:
			writeJSON(w, 404, failure(7003, "no route"))
		}
	})
	info, err := c.VerifyToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "tok1" || info.Status != "active" || info.ExpiresOn == nil || !info.Known || !info.CanWrite {
		t.Fatalf("info = %+v", info)
	}
	if !slices.Equal(info.Permissions, []string{"DNS Write", "Zone Read"}) || !slices.Equal(info.Zones, []string{"example.com"}) {
		t.Fatalf("permissions=%v zones=%v", info.Permissions, info.Zones)
	}
	forbid = true
	info, err = c.VerifyToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Known || info.CanWrite || info.Status != "active" {
		t.Fatalf("a token that cannot read itself: %+v", info)
	}
}

func TestInvalidTokenErrorHidesToken(t *testing.T) {
	c := newTestClient(t, nil, func(cfg *Config) { cfg.Token = "wrong-" + testToken })
	_, err := c.VerifyToken(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-") {
		t.Fatalf("the error leaks the token: %v", err)
	}
}

func TestTimeoutsAreRetriedThenReported(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		<-r.Context().Done() // never answers
	}, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
	_, err := c.readSettings(context.Background(), apiZone{ID: "z1", Name: "example.com"})
	if err == nil || !strings.Contains(err.Error(), "did not answer in time") || !strings.Contains(err.Error(), "example.com") {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 3 {
		t.Fatalf("attempts = %d, want 3", n.Load())
	}
}

package app

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/internal/simtest"
	"github.com/driftdeck/driftdeck/providers/cloudflare/cfsim"
)

type injection struct {
	ID      string `json:"id"`
	Carrier string `json:"carrier"`
	Payload string `json:"payload"`
}

func loadInjections(t *testing.T) []injection {
	t.Helper()
	dir := os.Getenv("DRIFTDECK_SHARED_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	f, err := os.Open(filepath.Join(dir, "security", "dev-injections.jsonl"))
	if err != nil {
		t.Skipf("security corpus not found: %v", err)
	}
	defer f.Close()
	var out []injection
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var in injection
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

// TestInjectedCloudflareTextStaysData puts every development injection
// whose carrier is a Cloudflare field (TXT content, record comment, WAF
// rule description) into the simulator, reads it back through the agent's
// tools, and checks that it reaches the model only inside one untrusted-data
// block it cannot close, with no terminal control characters.
func TestInjectedCloudflareTextStaysData(t *testing.T) {
	ctx := context.Background()
	clock := cfsim.NewManualClock(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC))
	_, cf := simtest.Incident(t, cfsim.Options{Clock: clock})
	a, err := Open(ctx, cf, Options{StateDir: t.TempDir(), User: "alice", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	n := 0
	for i, in := range loadInjections(t) {
		var ch infra.Change
		name := "inj" + itoa3(i) + ".example.com"
		switch in.Carrier {
		case "dns_txt":
			ch = infra.Change{Kind: infra.DNSCreate, Zone: "example.com", Target: name, After: mustJSON(infra.DNSRecord{Type: "TXT", Name: name, Content: in.Payload, TTL: 1})}
		case "record_comment":
			ch = infra.Change{Kind: infra.DNSCreate, Zone: "example.com", Target: name, After: mustJSON(infra.DNSRecord{Type: "A", Name: name, Content: "192.0.2.10", TTL: 1, Comment: in.Payload})}
		case "waf_description":
			desc := in.Payload
			if len(desc) > 500 { // Cloudflare's limit for a rule description
				desc = desc[:500]
			}
			ch = infra.Change{Kind: infra.FirewallCreate, Zone: "example.com", Target: in.ID, After: mustJSON(infra.Rule{Description: desc, Expression: `http.request.uri.path eq "/` + in.ID + `"`, Action: "block", Enabled: true})}
		default:
			continue
		}
		if _, err := cf.Apply(ctx, ch); err != nil {
			t.Fatalf("%s: put the payload into Cloudflare: %v", in.ID, err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no injection with a Cloudflare carrier in the corpus")
	}
	for _, call := range []llm.ToolCall{
		{Name: "list_dns_records", Arguments: json.RawMessage(`{"zone":"example.com","type":"TXT"}`)},
		{Name: "list_dns_records", Arguments: json.RawMessage(`{"zone":"example.com","type":"A"}`)},
		{Name: "get_firewall_rules", Arguments: json.RawMessage(`{"zone":"example.com"}`)},
	} {
		res, err := a.Tools.Execute(ctx, call)
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %s", call.Name, err, res.Text)
		}
		text := res.Text
		if strings.Count(text, "</untrusted-data>") != 1 || !strings.HasSuffix(strings.TrimSpace(text), "</untrusted-data>") {
			t.Fatalf("%s: the data block can be closed early:\n%s", call.Name, text)
		}
		open := strings.Index(text, "<untrusted-data")
		if open < 0 || strings.Count(text, "<untrusted-data") != 1 {
			t.Fatalf("%s: no single untrusted-data block", call.Name)
		}
		if strings.Contains(text[:open], "inj") {
			t.Fatalf("%s: Cloudflare data outside the block", call.Name)
		}
		for _, r := range text {
			if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) {
				t.Fatalf("%s: a control character %U reached the model", call.Name, r)
			}
		}
	}
}

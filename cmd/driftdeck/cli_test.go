package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func oneLine(t *testing.T, r result) {
	t.Helper()
	msg := strings.TrimSpace(r.stderr)
	if r.code != 1 || msg == "" || strings.Count(msg, "\n") > 0 {
		t.Fatalf("want exit 1 and one line on stderr, got exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestBadInputGetsOneSentenceAndExit1(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("account:\n  id: 0123456789abcdef0123456789abcdef\n  name: Test\ntokens:\n  - {name: t, value: tok-123456789012345, scopes: [read]}\nzones:\n  - name: example.com\n    records:\n      - {type: A, name: www, content: 192.0.2.1, ttl: 30}\n"), 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--scenario", bad, "--listen", "127.0.0.1:0"}, "bad.yaml:9"},
		{[]string{"sim", "--scenario", "nosuch"}, "nosuch"},
		{[]string{"sim", "--speed", "0"}, "--speed"},
		{[]string{"sim", "--listen", "nonsense"}, "--listen"},
		{[]string{"--cf-base-url", "ftp://x", "version"}, "--cf-base-url"},
		{[]string{"--allowed-cidrs", "10.0.0.0/99", "version"}, "--allowed-cidrs"},
		{[]string{"drift", "--baseline", filepath.Join(dir, "missing.yaml")}, "--baseline"},
		{[]string{"anomaly", "score", "--in", filepath.Join(dir, "missing.csv"), "--out", "-"}, "--in"},
		{[]string{"proposals", "show", "banana"}, "card id"},
		{[]string{"nosuchcommand"}, "nosuchcommand"},
	}
	for _, c := range cases {
		r := runCLI(t, []string{"DRIFTDECK_STATE_DIR=" + dir}, c.args...)
		oneLine(t, r)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: stderr %q does not name %q", c.args, r.stderr, c.want)
		}
	}
}

func TestDriftExitCodesAndJSON(t *testing.T) {
	sim := startSimProcess(t)
	state := t.TempDir()
	env := []string{"CLOUDFLARE_API_BASE_URL=" + sim.baseURL, "CLOUDFLARE_API_TOKEN=" + sim.tokens["sandbox-read"], "DRIFTDECK_STATE_DIR=" + state}
	r := runCLI(t, env, "baseline", "capture", "--env", "example.net=staging")
	if r.code != 0 {
		t.Fatalf("capture: %d %s", r.code, r.stderr)
	}
	base := filepath.Join(state, "baseline.yaml")
	if err := os.WriteFile(base, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, env, "drift", "--detailed-exitcode"); r.code != 0 || !strings.Contains(r.stdout, "No drift") {
		t.Fatalf("right after capture: exit %d %s %s", r.code, r.stdout, r.stderr)
	}

	// A dashboard user changes a setting out of band.
	body := `{"actor":"alice@example.com","change":{"kind":"setting.edit","zone":"example.com","target":"security_level","after":{"id":"security_level","value":"under_attack"}}}`
	resp, err := http.Post(sim.control+"/mutate", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("mutate: %v %v", err, resp)
	}
	resp.Body.Close()

	r = runCLI(t, env, "drift", "--detailed-exitcode", "--json")
	if r.code != 2 {
		t.Fatalf("drift: exit %d, want 2; %s", r.code, r.stderr)
	}
	var out driftJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	found := false
	for _, f := range out.Findings {
		if f.Key == "security_level" && f.Severity == "high" {
			found = true
		}
	}
	if !out.Drift || !found {
		t.Fatalf("want a high security_level finding: %+v", out.Findings)
	}
	if r := runCLI(t, env, "drift"); r.code != 0 {
		t.Fatalf("without --detailed-exitcode drift exits 0, got %d", r.code)
	}

	// A token Cloudflare refuses is an error, not "no drift".
	bad := []string{"CLOUDFLARE_API_BASE_URL=" + sim.baseURL, "CLOUDFLARE_API_TOKEN=not-a-token", "DRIFTDECK_STATE_DIR=" + state}
	if r := runCLI(t, bad, "drift", "--detailed-exitcode"); r.code != 1 || !strings.Contains(r.stderr, "cannot read the zone list") {
		t.Fatalf("refused token: exit %d, stderr %q", r.code, r.stderr)
	}

	// A typo in the baseline names the line.
	data, _ := os.ReadFile(base)
	broken := strings.Replace(string(data), "    records:", "    recrods:", 1)
	os.WriteFile(base, []byte(broken), 0o600)
	r = runCLI(t, env, "drift")
	oneLine(t, r)
	if !strings.Contains(r.stderr, "line ") || !strings.Contains(r.stderr, "recrods") {
		t.Fatalf("typo not located: %s", r.stderr)
	}
}

func TestAnomalyScoreCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := 0; i < 400; i++ {
		v := 100 + i%7
		if i == 350 {
			v = 5000
		}
		fmt.Fprintf(&b, "2026-01-01 %02d:%02d:00,%d\n", i/60, i%60, v)
	}
	os.WriteFile(in, []byte(b.String()), 0o600)
	out := filepath.Join(dir, "out.csv")
	if r := runCLI(t, nil, "anomaly", "score", "--in", in, "--out", out); r.code != 0 {
		t.Fatalf("score: %d %s", r.code, r.stderr)
	}
	f, _ := os.Open(out)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 401 || strings.Join(rows[0], ",") != "timestamp,value,anomaly_score" {
		t.Fatalf("output: %v, %d rows, header %v", err, len(rows), rows[0])
	}
	peak := 0.0
	for _, row := range rows[1:] {
		s, err := strconv.ParseFloat(row[2], 64)
		if err != nil || s < 0 || s > 1 {
			t.Fatalf("score %q out of [0,1]", row[2])
		}
		peak = max(peak, s)
	}
	if rows[351][0] != "2026-01-01 05:50:00" {
		t.Fatalf("timestamps not kept as read: %v", rows[351])
	}
	if s, _ := strconv.ParseFloat(rows[351][2], 64); s < 0.5 {
		t.Fatalf("the spike scored %v", s)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:01:00,abc\n"), 0o600)
	r := runCLI(t, nil, "anomaly", "score", "--in", bad, "--out", filepath.Join(dir, "never.csv"))
	oneLine(t, r)
	if !strings.Contains(r.stderr, "line 3") {
		t.Fatalf("bad value not located: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.csv")); err == nil {
		t.Fatal("a failed run left an output file")
	}
}

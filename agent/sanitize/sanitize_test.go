package sanitize

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// terminalActive reports bytes a terminal would act on: C0 controls other
// than newline/tab, DEL, and C1 controls in UTF-8 or as raw bytes.
func terminalActive(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return true
		}
	}
	return strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\ufeff")
}

func TestDevEscapeCorpusIsInertAndVisible(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "security", "dev-escapes.jsonl"))
	if err != nil {
		t.Skipf("shared security corpus not beside the repo: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		var e struct {
			ID, Class  string
			PayloadHex string `json:"payload_hex"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		raw, err := hex.DecodeString(e.PayloadHex)
		if err != nil {
			t.Fatal(err)
		}
		in := string(raw)
		for name, fn := range map[string]func(string) string{"Text": Text, "Line": Line, "Hostname": Hostname} {
			out := fn(in)
			if terminalActive(out) {
				t.Errorf("%s %s (%s): output still holds terminal controls: %q", name, e.ID, e.Class, out)
			}
			if e.Class != "escaped-literal" && e.Class != "homoglyph" && out == in {
				t.Errorf("%s %s (%s): dangerous input passed unchanged, so nobody can see it", name, e.ID, e.Class)
			}
		}
		if e.Class == "homoglyph" && Hostname(in) == in {
			t.Errorf("%s: Hostname must expose the homoglyph in %q", e.ID, in)
		}
		n++
	}
	if n == 0 {
		t.Fatal("empty corpus")
	}
}

func TestVisibleStandIns(t *testing.T) {
	cases := []struct {
		fn       func(string) string
		in, want string
	}{
		{Line, "a\x1b[31mred", "a\u241b[31mred"},
		{Line, "x\u202Eevil", "x<U+202E>evil"},
		{Line, "two\nlines\ttab", "two\u240alines\u2409tab"},
		{Text, "two\nlines\ttab\r", "two\nlines\ttab\u240d"},
		{Line, "c1 \u009b31m", "c1 <U+009B>31m"},
		{Line, "bad \xff byte", "bad \ufffd byte"},
		{Line, "zw\u200bsp", "zw<U+200B>sp"},
		{Hostname, "www.\u0435xample.com", "www.<U+0435>xample.com"},
		{Line, "plain ascii stays", "plain ascii stays"},
		{Line, "héllo wörld", "héllo wörld"},
		{Line, "tag\U000E0041", "tag<U+E0041>"},
	}
	for _, c := range cases {
		if got := c.fn(c.in); got != c.want {
			t.Errorf("%q -> %q, want %q", c.in, got, c.want)
		}
	}
	if !Suspicious("a\x1b]52;c;aGk=\x07") || Suspicious("fine") {
		t.Error("Suspicious misjudges")
	}
}

func FuzzLineIsInert(f *testing.F) {
	f.Add("a\x1b[31m\u202e\u200b\x9b")
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if terminalActive(out) || strings.ContainsAny(out, "\n\r\t") {
			t.Fatalf("Line(%q) = %q still active", s, out)
		}
		if Line(out) != out {
			t.Fatalf("Line is not idempotent on %q", s)
		}
	})
}

func TestJSONStaysFaithfulAndInert(t *testing.T) {
	in := map[string]string{"content": "a\x1b[31m\u009b1m\u202eevil\u200b\U000E0041 ok é"}
	raw, _ := json.Marshal(in)
	safe := JSON(raw)
	if terminalActive(string(safe)) || strings.Contains(string(safe), "\x1b") {
		t.Fatalf("still active: %q", safe)
	}
	var back map[string]string
	if err := json.Unmarshal(safe, &back); err != nil {
		t.Fatal(err)
	}
	if back["content"] != in["content"] {
		t.Fatalf("data changed: %q", back["content"])
	}
}

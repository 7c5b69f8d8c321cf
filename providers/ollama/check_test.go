package ollama

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/driftdeck/driftdeck/internal/ollamatest"
)

func TestCheckReportsVersionAndCapabilities(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Models: []ollamatest.Model{{Name: "qwen3:8b", Capabilities: []string{"completion", "tools", "thinking"}, ContextLength: 40960}}})
	c := newTestClient(t, fake.URL, "qwen3:8b")
	st, err := c.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "0.17.4" || !st.ModelPresent || !st.Tools || !st.Thinking || st.ContextLength != 40960 || st.NumCtx != DefaultNumCtx {
		t.Fatalf("status = %+v", st)
	}
}

func TestCheckModelWithoutTools(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Models: []ollamatest.Model{{Name: "tiny", Capabilities: []string{"completion"}}}})
	c := newTestClient(t, fake.URL, "tiny")
	st, err := c.Check(context.Background())
	if !errors.Is(err, ErrNoTools) || !st.ModelPresent || st.Tools {
		t.Fatalf("status %+v, err %v", st, err)
	}
}

func TestCheckMissingModelAndUnreachableServer(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{})
	st, err := newTestClient(t, fake.URL, "nope").Check(context.Background())
	if !errors.Is(err, ErrModelMissing) || st.Version == "" || st.ModelPresent {
		t.Fatalf("status %+v, err %v", st, err)
	}
	st, err = newTestClient(t, "127.0.0.1:1", "nope").Check(context.Background())
	if !errors.Is(err, ErrUnreachable) || st.Version != "" {
		t.Fatalf("status %+v, err %v", st, err)
	}
}

func TestModelsListsInstalledModels(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Models: []ollamatest.Model{{Name: "qwen3:8b", Family: "qwen3", Size: 5 << 30}, {Name: "tiny"}}})
	models, err := newTestClient(t, fake.URL, "").Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 || models[0].Name != "qwen3:8b" || models[0].Family != "qwen3" || models[0].Size != 5<<30 || models[1].Name != "tiny:latest" {
		t.Fatalf("models = %+v", models)
	}
}

func TestPullReportsProgressAndInstalls(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{Pullable: []ollamatest.Model{{Name: "qwen3:8b", Size: 1000}}})
	c := newTestClient(t, fake.URL, "qwen3:8b")
	if _, err := c.Check(context.Background()); !errors.Is(err, ErrModelMissing) {
		t.Fatalf("before pull: %v", err)
	}
	var progress []PullProgress
	if err := c.Pull(context.Background(), "qwen3:8b", func(p PullProgress) { progress = append(progress, p) }); err != nil {
		t.Fatal(err)
	}
	if progress[0].Status != "pulling manifest" || progress[len(progress)-1].Status != "success" {
		t.Fatalf("progress = %+v", progress)
	}
	if !slices.ContainsFunc(progress, func(p PullProgress) bool { return p.Total == 1000 && p.Completed == 1000 }) {
		t.Fatalf("no completed/total report: %+v", progress)
	}
	if _, err := c.Check(context.Background()); err != nil {
		t.Fatalf("after pull: %v", err)
	}
}

func TestPullUnknownModel(t *testing.T) {
	fake := ollamatest.NewFake(t, ollamatest.Script{})
	err := newTestClient(t, fake.URL, "").Pull(context.Background(), "nosuch", nil)
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "pull model nosuch failed: pull model manifest: file does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseHostFollowsOllamaHostSyntax(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "http://127.0.0.1:11434",
		"127.0.0.1:9999":           "http://127.0.0.1:9999",
		"gpu-box":                  "http://gpu-box:11434",
		":8080":                    "http://127.0.0.1:8080",
		"http://gpu-box":           "http://gpu-box:80",
		"https://llm.example.com":  "https://llm.example.com:443",
		"http://10.0.0.5:11434/v1": "http://10.0.0.5:11434/v1",
		"[::1]:11434":              "http://[::1]:11434",
	} {
		u, err := ParseHost(in)
		if err != nil {
			t.Errorf("ParseHost(%q): %v", in, err)
			continue
		}
		if u.String() != want {
			t.Errorf("ParseHost(%q) = %s, want %s", in, u, want)
		}
	}
	for _, bad := range []string{"ftp://x", "host:99999", "host:abc"} {
		if _, err := ParseHost(bad); err == nil {
			t.Errorf("ParseHost(%q) accepted", bad)
		}
	}
}

func TestNewUsesOllamaHostWhenHostEmpty(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "127.0.0.1:23456")
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Host() != "http://127.0.0.1:23456" || c.NumCtx() != DefaultNumCtx {
		t.Fatalf("host %s num_ctx %d", c.Host(), c.NumCtx())
	}
}

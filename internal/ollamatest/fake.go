package ollamatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// Fake is an in-process Ollama server for tests. Its URL goes where an
// Ollama host goes; the real github.com/ollama/ollama/api client talks to it.
type Fake struct {
	URL string

	t      testing.TB
	script Script

	mu       sync.Mutex
	models   []Model
	chats    int
	received []Received
}

// Received is one HTTP request the fake got, as sent.
type Received struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// NewFake starts a fake server that answers from script; it stops when the
// test ends.
func NewFake(t testing.TB, script Script) *Fake {
	t.Helper()
	if script.Version == "" {
		script.Version = "0.17.4"
	}
	models := slices.Clone(script.Models)
	if len(models) == 0 {
		models = []Model{{Name: "fake:latest"}}
	}
	f := &Fake{t: t, script: script, models: models}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// Received returns every request so far, in arrival order.
func (f *Fake) Received() []Received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.received)
}

// ChatRequests returns the decoded /api/chat requests so far.
func (f *Fake) ChatRequests() []api.ChatRequest {
	var out []api.ChatRequest
	for _, r := range f.Received() {
		if r.Path != "/api/chat" {
			continue
		}
		var req api.ChatRequest
		if err := json.Unmarshal(r.Body, &req); err != nil {
			f.t.Errorf("ollamatest: undecodable chat request: %v", err)
			continue
		}
		out = append(out, req)
	}
	return out
}

// Contains reports whether s occurs in any request's path, header or body,
// raw or JSON-escaped (to assert that a secret never left the process).
func (f *Fake) Contains(s string) bool {
	escaped, _ := json.Marshal(s)
	needles := [][]byte{[]byte(s), bytes.Trim(escaped, `"`)}
	for _, r := range f.Received() {
		var all bytes.Buffer
		all.WriteString(r.Path)
		for k, vs := range r.Header {
			fmt.Fprintf(&all, "\n%s: %s", k, strings.Join(vs, ", "))
		}
		all.Write(r.Body)
		for _, n := range needles {
			if bytes.Contains(all.Bytes(), n) {
				return true
			}
		}
	}
	return false
}

// RemainingReplies is the number of scripted replies not yet sent.
func (f *Fake) RemainingReplies() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return max(0, len(f.script.Replies)-f.chats)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	f.mu.Lock()
	f.received = append(f.received, Received{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	f.mu.Unlock()

	switch {
	case r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Ollama is running")
	case r.URL.Path == "/api/version" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]string{"version": f.script.Version})
	case r.URL.Path == "/api/tags" && r.Method == http.MethodGet:
		f.serveTags(w)
	case r.URL.Path == "/api/show" && r.Method == http.MethodPost:
		f.serveShow(w, body)
	case r.URL.Path == "/api/chat" && r.Method == http.MethodPost:
		f.serveChat(w, body)
	case r.URL.Path == "/api/pull" && r.Method == http.MethodPost:
		f.servePull(w, body)
	default:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "404 page not found")
	}
}

// model finds an installed model; "x" means "x:latest" as on the real server.
func (f *Fake) model(name string) (Model, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.models {
		if fullName(m.Name) == fullName(name) {
			return withDefaults(m), true
		}
	}
	return Model{}, false
}

func fullName(name string) string {
	if name != "" && !strings.Contains(name, ":") {
		return name + ":latest"
	}
	return name
}

func withDefaults(m Model) Model {
	m.Name = fullName(m.Name)
	if m.Capabilities == nil {
		m.Capabilities = []string{CapCompletion, CapTools}
	}
	if m.ContextLength == 0 {
		m.ContextLength = 4096
	}
	if m.Family == "" {
		m.Family = "llama"
	}
	if m.Size == 0 {
		m.Size = 4 << 20
	}
	if m.ModifiedAt.IsZero() {
		m.ModifiedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	return m
}

func (f *Fake) serveTags(w http.ResponseWriter) {
	f.mu.Lock()
	models := slices.Clone(f.models)
	f.mu.Unlock()
	resp := api.ListResponse{Models: []api.ListModelResponse{}}
	for _, m := range models {
		m = withDefaults(m)
		resp.Models = append(resp.Models, api.ListModelResponse{
			Name: m.Name, Model: m.Name, ModifiedAt: m.ModifiedAt, Size: m.Size,
			Digest:  fmt.Sprintf("%064x", len(m.Name)),
			Details: details(m),
		})
	}
	writeJSON(w, http.StatusOK, resp)
}

func details(m Model) api.ModelDetails {
	return api.ModelDetails{Format: "gguf", Family: m.Family, Families: []string{m.Family}, ParameterSize: "1M", QuantizationLevel: "F32"}
}

func (f *Fake) serveShow(w http.ResponseWriter, body []byte) {
	var req api.ShowRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := req.Model
	if name == "" {
		name = req.Name
	}
	m, ok := f.model(name)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", name))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"modelfile":    "FROM " + m.Name,
		"template":     "{{ .Prompt }}",
		"details":      details(m),
		"model_info":   map[string]any{"general.architecture": m.Family, m.Family + ".context_length": m.ContextLength},
		"capabilities": m.Capabilities,
		"modified_at":  m.ModifiedAt,
	})
}

func (f *Fake) servePull(w http.ResponseWriter, body []byte) {
	var req api.PullRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := req.Model
	if name == "" {
		name = req.Name
	}
	s := newStream(w)
	s.send(api.ProgressResponse{Status: "pulling manifest"})
	var found *Model
	for _, m := range f.script.Pullable {
		if fullName(m.Name) == fullName(name) {
			found = &m
		}
	}
	if found == nil {
		s.send(map[string]string{"error": "pull model manifest: file does not exist"})
		return
	}
	m := withDefaults(*found)
	digest := fmt.Sprintf("sha256:%064x", m.Size)
	for _, done := range []int64{0, m.Size / 2, m.Size} {
		s.send(api.ProgressResponse{Status: "pulling " + digest[7:19], Digest: digest, Total: m.Size, Completed: done})
	}
	for _, status := range []string{"verifying sha256 digest", "writing manifest", "success"} {
		s.send(api.ProgressResponse{Status: status})
	}
	f.mu.Lock()
	f.models = append(f.models, m)
	f.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// stream writes NDJSON lines and flushes each, as the real server does.
type stream struct {
	w       http.ResponseWriter
	started bool
}

func newStream(w http.ResponseWriter) *stream { return &stream{w: w} }

func (s *stream) send(v any) {
	if !s.started {
		s.w.Header().Set("Content-Type", "application/x-ndjson")
		s.w.WriteHeader(http.StatusOK)
		s.started = true
	}
	line, _ := json.Marshal(v)
	s.w.Write(append(line, '\n'))
	if fl, ok := s.w.(http.Flusher); ok {
		fl.Flush()
	}
}

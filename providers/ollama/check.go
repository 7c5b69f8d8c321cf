package ollama

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"
)

// Status is what Check learnt about the server and the configured model.
type Status struct {
	Host         string
	Version      string // server version; empty when unreachable
	Model        string
	ModelPresent bool
	Capabilities []string // as /api/show reports them: completion, tools, thinking, ...
	Tools        bool
	Thinking     bool
	// ContextLength is the model's trained context window (0 when unknown).
	ContextLength int
	// NumCtx is the window this client asks for on every request.
	NumCtx int
}

// ModelInfo describes one installed model.
type ModelInfo struct {
	Name          string
	Size          int64 // bytes on disk
	ModifiedAt    time.Time
	Family        string
	ParameterSize string
	Quantization  string
}

// PullProgress is one progress report of Pull; Total is 0 while unknown.
type PullProgress struct {
	Status    string
	Completed int64
	Total     int64
}

// capabilities of one model, as the server reported them.
type capabilities struct {
	list          []string
	tools         bool
	thinking      bool
	contextLength int
}

// Check answers, in this order: does the server answer (ErrUnreachable), is
// the configured model installed (ErrModelMissing), can it call tools
// (ErrNoTools). Status is filled as far as the check got, also on error.
func (c *Client) Check(ctx context.Context) (Status, error) {
	st := Status{Host: c.host, Model: c.model, NumCtx: c.numCtx}
	version, err := c.api.Version(ctx)
	if err != nil {
		return st, c.classify(ctx, err, "", "ask the Ollama version")
	}
	st.Version = version
	if c.model == "" {
		return st, nil
	}
	caps, err := c.showCapabilities(ctx, c.model)
	if err != nil {
		return st, err
	}
	st.ModelPresent = true
	st.Capabilities = caps.list
	st.Tools = caps.tools
	st.Thinking = caps.thinking
	st.ContextLength = caps.contextLength
	if !caps.tools {
		return st, noToolsError(c.model, nil)
	}
	return st, nil
}

// Models lists the installed models.
func (c *Client) Models(ctx context.Context) ([]ModelInfo, error) {
	resp, err := c.api.List(ctx)
	if err != nil {
		return nil, c.classify(ctx, err, "", "list the installed models")
	}
	models := make([]ModelInfo, 0, len(resp.Models))
	for _, m := range resp.Models {
		models = append(models, ModelInfo{
			Name:          m.Name,
			Size:          m.Size,
			ModifiedAt:    m.ModifiedAt,
			Family:        m.Details.Family,
			ParameterSize: m.Details.ParameterSize,
			Quantization:  m.Details.QuantizationLevel,
		})
	}
	return models, nil
}

// Pull downloads a model through the server, reporting progress (for a
// progress bar) from the caller's goroutine; progress may be nil.
func (c *Client) Pull(ctx context.Context, name string, progress func(PullProgress)) error {
	if name == "" {
		return fmt.Errorf("pull: no model name given")
	}
	err := c.api.Pull(ctx, &api.PullRequest{Model: name}, func(p api.ProgressResponse) error {
		if progress != nil {
			progress(PullProgress{Status: p.Status, Completed: p.Completed, Total: p.Total})
		}
		return nil
	})
	c.forgetCapabilities(name)
	if err != nil {
		return c.classify(ctx, err, "", "pull model "+name)
	}
	return nil
}

// capabilitiesOf returns the model's capabilities, asking the server once
// per model and client.
func (c *Client) capabilitiesOf(ctx context.Context, name string) (capabilities, error) {
	c.mu.Lock()
	caps, ok := c.caps[name]
	c.mu.Unlock()
	if ok {
		return caps, nil
	}
	return c.showCapabilities(ctx, name)
}

func (c *Client) showCapabilities(ctx context.Context, name string) (capabilities, error) {
	resp, err := c.api.Show(ctx, &api.ShowRequest{Model: name})
	if err != nil {
		return capabilities{}, c.classify(ctx, err, name, "show model "+name)
	}
	caps := capabilities{contextLength: contextLength(resp.ModelInfo)}
	for _, capability := range resp.Capabilities {
		caps.list = append(caps.list, string(capability))
	}
	caps.tools = slices.Contains(resp.Capabilities, model.CapabilityTools)
	caps.thinking = slices.Contains(resp.Capabilities, model.CapabilityThinking)
	c.mu.Lock()
	c.caps[name] = caps
	c.mu.Unlock()
	return caps, nil
}

func (c *Client) forgetCapabilities(name string) {
	c.mu.Lock()
	delete(c.caps, name)
	c.mu.Unlock()
}

// contextLength finds "<architecture>.context_length" in /api/show's model_info.
func contextLength(info map[string]any) int {
	for key, value := range info {
		if !strings.HasSuffix(key, ".context_length") {
			continue
		}
		if n, ok := value.(float64); ok {
			return int(n)
		}
	}
	return 0
}

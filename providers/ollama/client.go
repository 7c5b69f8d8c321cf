// Package ollama implements the engine's llm.Chatter over a local Ollama
// server through the official github.com/ollama/ollama/api client, and adds
// what an operator needs around it: a capability check, the model list and
// pulling a model with progress.
package ollama

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
)

// Defaults for Config's zero values.
const (
	// DefaultHost is where `ollama serve` listens unless OLLAMA_HOST says otherwise.
	DefaultHost = "http://127.0.0.1:11434"
	// DefaultNumCtx is the context window asked for on every request. Ollama's
	// own default (2048-4096 depending on the version and memory) is too small
	// for a system prompt, tool schemas and a few tool results; it would
	// silently drop the start of the conversation.
	DefaultNumCtx = 16384
	// DefaultKeepAlive keeps the model loaded between the turns of an incident.
	DefaultKeepAlive = 30 * time.Minute
)

// Config says which server and model to use. Zero values take the defaults.
type Config struct {
	// Host is the server, in OLLAMA_HOST syntax: "http://host:port",
	// "host:port", "host" or ":port". Empty: $OLLAMA_HOST, else DefaultHost.
	Host string
	// Model is used when a request names none.
	Model string
	// NumCtx is the context window in tokens, sent as options.num_ctx on every
	// chat (default DefaultNumCtx).
	NumCtx int
	// KeepAlive is how long the server keeps the model loaded after a request
	// (default DefaultKeepAlive; negative keeps it loaded forever).
	KeepAlive time.Duration
	// HTTPClient carries the requests (default: a client without timeout,
	// since replies stream for as long as the model generates).
	HTTPClient *http.Client
}

// Client talks to one Ollama server. It is safe for concurrent use.
type Client struct {
	api       *api.Client
	host      string // normalised base URL, for messages
	model     string
	numCtx    int
	keepAlive time.Duration

	mu   sync.Mutex
	caps map[string]capabilities // per model, learnt from /api/show
}

// New checks the configuration and returns a client; it does not contact the
// server (see Check).
func New(cfg Config) (*Client, error) {
	raw := cfg.Host
	if raw == "" {
		raw = os.Getenv("OLLAMA_HOST")
	}
	base, err := ParseHost(raw)
	if err != nil {
		return nil, err
	}
	if cfg.NumCtx < 0 {
		return nil, fmt.Errorf("num_ctx must be positive, got %d", cfg.NumCtx)
	}
	numCtx := cfg.NumCtx
	if numCtx == 0 {
		numCtx = DefaultNumCtx
	}
	keepAlive := cfg.KeepAlive
	if keepAlive == 0 {
		keepAlive = DefaultKeepAlive
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	return &Client{
		api:       api.NewClient(base, httpClient),
		host:      base.String(),
		model:     cfg.Model,
		numCtx:    numCtx,
		keepAlive: keepAlive,
		caps:      map[string]capabilities{},
	}, nil
}

// Host is the server's base URL, as messages name it.
func (c *Client) Host() string { return c.host }

// NumCtx is the context window sent with every chat.
func (c *Client) NumCtx() int { return c.numCtx }

// ParseHost reads a host the way Ollama reads OLLAMA_HOST: the scheme
// defaults to http, the host to 127.0.0.1 and the port to 11434 (80/443
// when the scheme is given without a port). Empty means DefaultHost.
func ParseHost(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = DefaultHost
	}
	scheme, hostport, hasScheme := strings.Cut(s, "://")
	defaultPort := "11434"
	switch {
	case !hasScheme:
		scheme, hostport = "http", s
	case scheme == "http":
		defaultPort = "80"
	case scheme == "https":
		defaultPort = "443"
	default:
		return nil, fmt.Errorf("ollama host %q has scheme %q; use http or https", s, scheme)
	}
	hostport, path, _ := strings.Cut(hostport, "/")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, defaultPort
	}
	if host == "" {
		host = "127.0.0.1"
	}
	host = strings.Trim(host, "[]")
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return nil, fmt.Errorf("ollama host %q has an invalid port %q", s, port)
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port)}
	if path != "" {
		u.Path = "/" + path
	}
	return u, nil
}

func (c *Client) modelOr(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	if c.model != "" {
		return c.model, nil
	}
	return "", fmt.Errorf("no model given: set one (for example %s)", suggestedToolModel)
}

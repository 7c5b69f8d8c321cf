package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
)

// options are the common flags of DESIGN.md, each with its environment variable.
type options struct {
	cfBaseURL      string
	account        string
	ollamaHost     string
	model          string
	reviewModel    string
	numCtx         int
	allowedCIDRs   []string
	allowedHosts   []string
	scopeZones     []string
	stateDir       string
	baseline       string
	policyDir      string
	readOnly       bool
	reconcileGrace time.Duration
	sandbox        bool
}

// envOr returns the environment variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// splitEnv reads a comma-separated list from the environment.
func splitEnv(name string) []string {
	var out []string
	for _, v := range strings.Split(os.Getenv(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// envInt reads a positive integer from the environment, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// envDuration reads a duration from the environment, or def.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// defaultStateDir is $XDG_STATE_HOME/driftdeck, or ~/.local/state/driftdeck.
func defaultStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "driftdeck")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "driftdeck")
	}
	return filepath.Join(os.TempDir(), "driftdeck")
}

func newRootCommand() *cobra.Command {
	opts := &options{}
	root := &cobra.Command{
		Use:   "driftdeck",
		Short: "On-call console for Cloudflare: drift, anomalies, and approved changes",
		Long: `driftdeck shows live drift (what changed against the desired configuration) and
anomalies (what traffic is doing) for a Cloudflare account, lets you ask a local LLM
(Ollama) about them, and applies the changes it proposes only after a human approval
that passed policy. Every step lands in a tamper-evident journal.

Without CLOUDFLARE_API_TOKEN and --cf-base-url it runs in sandbox mode against an
embedded simulator with a scripted incident.`,
		Example: `  # the console against the sandbox (no token needed)
  driftdeck
  # the simulator alone, for scripts and tests
  driftdeck sim --listen 127.0.0.1:8787 --scenario incident`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return opts.validate()
		},
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runConsole(cmd.Context(), opts) },
	}
	f := root.PersistentFlags()
	f.StringVar(&opts.cfBaseURL, "cf-base-url", os.Getenv("CLOUDFLARE_API_BASE_URL"), "Cloudflare API base URL (env CLOUDFLARE_API_BASE_URL); the token comes from CLOUDFLARE_API_TOKEN only")
	f.StringVar(&opts.account, "account", os.Getenv("CLOUDFLARE_ACCOUNT_ID"), "Cloudflare account id (env CLOUDFLARE_ACCOUNT_ID); discovered from the zones when empty")
	f.StringVar(&opts.ollamaHost, "ollama-host", envOr("OLLAMA_HOST", "http://127.0.0.1:11434"), "Ollama server (env OLLAMA_HOST)")
	f.StringVar(&opts.model, "model", envOr("DRIFTDECK_MODEL", "qwen3:8b"), "tool-capable Ollama model (env DRIFTDECK_MODEL)")
	f.StringVar(&opts.reviewModel, "review-model", os.Getenv("DRIFTDECK_REVIEW_MODEL"), "model for the reviewer, the second agent (env DRIFTDECK_REVIEW_MODEL; default --model)")
	f.IntVar(&opts.numCtx, "num-ctx", envInt("DRIFTDECK_NUM_CTX", 16384), "context window sent to Ollama on every request, in tokens (env DRIFTDECK_NUM_CTX); Ollama silently cuts longer prompts otherwise")
	f.StringSliceVar(&opts.allowedCIDRs, "allowed-cidrs", splitEnv("DRIFTDECK_ALLOWED_CIDRS"), "DNS targets inside these CIDRs need no extra approval (env DRIFTDECK_ALLOWED_CIDRS, comma-separated)")
	f.StringSliceVar(&opts.allowedHosts, "allowed-hosts", splitEnv("DRIFTDECK_ALLOWED_HOSTS"), "CNAME/MX targets under these names need no extra approval, e.g. .example.com (env DRIFTDECK_ALLOWED_HOSTS)")
	f.StringSliceVar(&opts.scopeZones, "scope", splitEnv("DRIFTDECK_SCOPE"), "zones driftdeck may change; policy denies changes elsewhere (env DRIFTDECK_SCOPE, comma-separated; default all)")
	f.StringVar(&opts.stateDir, "state-dir", envOr("DRIFTDECK_STATE_DIR", defaultStateDir()), "where the journal, proposals and conversations live (env DRIFTDECK_STATE_DIR)")
	f.StringVar(&opts.baseline, "baseline", "", "baseline YAML: the desired configuration drift is measured against")
	f.StringVar(&opts.policyDir, "policy", "", "directory of extra Rego policies, evaluated with the default bundle")
	f.DurationVar(&opts.reconcileGrace, "reconcile-grace", envDuration("DRIFTDECK_RECONCILE_GRACE", 2*time.Minute), "a card still executing after this long belongs to a dead process and is reconciled against live state (env DRIFTDECK_RECONCILE_GRACE)")
	f.BoolVar(&opts.readOnly, "read-only", false, "never offer or allow changes: write tools and approve keys are removed")
	f.BoolVar(&opts.sandbox, "sandbox", false, "use the embedded simulator even when a token is set")

	root.AddCommand(newSimCommand(opts), newVersionCommand(), newDriftCommand(opts), newBaselineCommand(opts), newAnomalyCommand(), newAskCommand(opts), newProposalsCommand(opts), newAuditCommand(opts), newTUICommand(opts), newServeCommand(opts))
	return root
}

// validate checks the common flags once, before any command runs, so bad
// input gets one sentence naming the flag.
func (o *options) validate() error {
	if o.cfBaseURL != "" {
		if err := checkHTTPURL(o.cfBaseURL); err != nil {
			return fmt.Errorf("flag --cf-base-url: %w", err)
		}
	}
	if o.ollamaHost != "" {
		if err := checkHTTPURL(normalizeOllamaHost(o.ollamaHost)); err != nil {
			return fmt.Errorf("flag --ollama-host: %w", err)
		}
	}
	if o.numCtx < 2048 {
		return fmt.Errorf("flag --num-ctx: %d is too small for the agent's tools and prompt (at least 2048)", o.numCtx)
	}
	if strings.TrimSpace(o.model) == "" {
		return errors.New("flag --model: the model name is empty")
	}
	for _, c := range o.allowedCIDRs {
		if _, _, err := net.ParseCIDR(c); err != nil {
			return fmt.Errorf("flag --allowed-cidrs: %q is not a CIDR such as 192.0.2.0/24", c)
		}
	}
	if o.policyDir != "" {
		if st, err := os.Stat(o.policyDir); err != nil || !st.IsDir() {
			return fmt.Errorf("flag --policy: %q is not a directory", o.policyDir)
		}
	}
	if o.baseline != "" {
		if _, err := os.Stat(o.baseline); err != nil {
			return fmt.Errorf("flag --baseline: cannot read %q", o.baseline)
		}
	}
	return nil
}

// normalizeOllamaHost accepts OLLAMA_HOST's forms ("host:port", "http://host:port").
func normalizeOllamaHost(h string) string {
	if !strings.Contains(h, "://") {
		return "http://" + h
	}
	return h
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return nil
}

// printError prints an error as one line on stderr; exit codes that carry
// their own output print nothing.
func printError(w io.Writer, _ fang.Styles, err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		return
	}
	msg := strings.TrimSpace(err.Error())
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	fmt.Fprintln(w, "driftdeck: "+msg)
}

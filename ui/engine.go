// Package ui is driftdeck's on-call console: a Bubble Tea v2 root model with
// chat, cards, drift and anomaly panes over the engine. It is a view: every
// engine call happens in a tea.Cmd, never inside Update, and every string
// that came from Cloudflare, webhooks or the model passes the sanitizer
// before it is rendered.
package ui

import (
	"context"
	"time"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

// Topics the engine publishes for the UI besides the watch topics.
const (
	TopicProposal = "proposal" // must-deliver; payload *proposal.Proposal (created or changed)
	TopicAnomaly  = "anomaly"  // key zone; payload []anomaly.Finding
	TopicStatus   = "status"   // payload Status (model state changed)
	TopicAlert    = "alert"    // payload Alert (a Cloudflare notification webhook)
)

// Alert is a notification that arrived through the webhook receiver. Its
// text is untrusted and is sanitized when rendered.
type Alert struct {
	ID, Name, Text string
	Time           time.Time
}

// Model states as Status.ModelState reports them.
const (
	ModelReady       = "ready"
	ModelUnreachable = "unreachable"
	ModelMissing     = "missing"
	ModelNoTools     = "no-tools"
	ModelPulling     = "pulling"
)

// Status is the engine's state as the status bar and the chat pane show it.
type Status struct {
	Sandbox    bool
	Account    string
	Model      string
	ModelState string // ModelReady, ModelUnreachable, ModelMissing, ModelNoTools, ModelPulling
	ModelHint  string // exactly what to run, e.g. "start it with `ollama serve`"
	ReadOnly   bool
	Budget     infra.Budget
	User       string
	// DriftHint, when set, says why there is no drift report and what to
	// run (no baseline configured).
	DriftHint string
}

// Engine is what the console needs from driftdeck's engine.
type Engine interface {
	Status() Status
	Subscribe() *bus.Subscription
	// Ask blocks for one turn; onEvent is called from the engine's goroutine.
	Ask(ctx context.Context, text string, onEvent func(agent.Event)) (agent.Turn, error)
	Proposals(ctx context.Context) ([]*proposal.Proposal, error)
	// Approve records the engine user's approval of the content hash the engineer saw.
	Approve(ctx context.Context, id, hash string) error
	// Reject rejects a card; the reason goes back to the agent.
	Reject(ctx context.Context, id, reason string) error
	ProposeRevert(ctx context.Context, zone string, findingIDs []string) (*proposal.Proposal, error)
	PullModel(ctx context.Context, progress func(status string, completed, total int64)) error
}

// ModelSelector is implemented by engines that can switch the chat model at
// run time; `:model NAME` uses it when present.
type ModelSelector interface {
	SetModel(ctx context.Context, name string) error
}

// Options tune the console. Zero values take the defaults.
type Options struct {
	// NoColor renders without any escape sequence (NO_COLOR).
	NoColor bool
	// Now is the clock for ages and the input guard; default time.Now.
	Now func() time.Time
	// InputGuard is how long keys are ignored after a dialog opens, and
	// approve/reject keys after a card appears; default 500ms, negative
	// disables it (tests of other behaviour only).
	InputGuard time.Duration
	// FlushInterval is how often streamed answer text is re-rendered;
	// default 40ms.
	FlushInterval time.Duration
	// GlamourStyle is the markdown style ("dark", "light", "ascii"...);
	// default "dark" ("notty" with NoColor).
	GlamourStyle string
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.InputGuard == 0 {
		o.InputGuard = 500 * time.Millisecond
	}
	if o.InputGuard < 0 {
		o.InputGuard = 0
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 40 * time.Millisecond
	}
	if o.GlamourStyle == "" {
		o.GlamourStyle = "dark"
	}
	if o.NoColor {
		o.GlamourStyle = "notty"
	}
	return o
}

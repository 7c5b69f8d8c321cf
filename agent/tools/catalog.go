// Package tools is the agent's typed tool catalog: each tool has a fixed
// name, a description written for the model, a JSON schema its arguments are
// validated against, a static effect, and Run. Read tools answer at once
// with compact, budgeted tables marked as untrusted data; write tools never
// act: they build the exact changes and create a Proposal.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/llm"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

// Effect is what a tool call does; it is declared in code, never taken from the model.
type Effect string

const (
	EffectRead        Effect = "read"
	EffectWrite       Effect = "write"
	EffectDestructive Effect = "destructive"
)

// Infra is the live infrastructure as the tools read it.
type Infra interface {
	Snapshot(ctx context.Context, scope infra.Scope) (*infra.Snapshot, error)
	Traffic(ctx context.Context, zone string, from, to time.Time) (infra.Series, error)
	AuditEvents(ctx context.Context, since time.Time) ([]infra.AuditEvent, error)
}

// Findings serves the drift and anomaly engines' current findings; zone ""
// means every zone.
type Findings interface {
	Drift(ctx context.Context, zone string) ([]DriftFinding, error)
	Anomalies(ctx context.Context, zone string) ([]AnomalyFinding, error)
}

// DriftFinding is one difference between the baseline and the live state.
type DriftFinding struct {
	ID         string        `json:"id"`
	Zone       string        `json:"zone"`
	Kind       string        `json:"kind"`     // e.g. dns_record_changed, setting_changed
	Severity   string        `json:"severity"` // info, warning, critical
	Resource   string        `json:"resource"` // e.g. "A www.example.com", "setting ssl"
	Summary    string        `json:"summary"`
	Details    string        `json:"details,omitempty"`
	DetectedAt time.Time     `json:"detected_at"`
	Revert     *infra.Change `json:"revert,omitempty"` // the change restoring the baseline, if one exists
}

// AnomalyFinding is one unusual stretch of a zone's traffic.
type AnomalyFinding struct {
	ID       string    `json:"id"`
	Zone     string    `json:"zone"`
	Kind     string    `json:"kind"`   // e.g. spike, drop, error_burst
	Metric   string    `json:"metric"` // requests, status_5xx, ...
	Severity string    `json:"severity"`
	Score    float64   `json:"score"` // in [0,1]
	Summary  string    `json:"summary"`
	Details  string    `json:"details,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"`
}

// Proposer turns a write tool's draft into a card (proposal.Service does).
type Proposer interface {
	Propose(ctx context.Context, d proposal.Draft) (*proposal.Proposal, error)
}

// Deps are what the catalog runs against. Infra is required; the rest are optional.
type Deps struct {
	Infra    Infra
	Findings Findings                     // nil: get_drift etc. answer "engine not running"
	Proposer Proposer                     // nil: write tools answer "proposals unavailable"
	Sanitize func(string) string          // applied to every Cloudflare string; default StripControl
	Clock    func() time.Time             // default time.Now
	Budget   int                          // characters per result; default 6000
	ReadOnly bool                         // write tools are neither offered nor run
	Request  func(context.Context) string // optional: the engineer's request, for the reviewer
}

// Tool is one entry of the catalog.
type Tool struct {
	Name        string
	Description string
	Parameters  *Schema
	// Effect of every call; for tools with DestructiveActions, of calls
	// whose `action` argument is not one of them.
	Effect Effect
	// DestructiveActions are values of the `action` argument that make a call destructive.
	DestructiveActions []string
	run                func(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error)
}

// Writes reports whether the tool changes anything (write or destructive).
func (t *Tool) Writes() bool { return t.Effect != EffectRead }

// EffectOf is the effect of one call, from its validated arguments.
func (t *Tool) EffectOf(args json.RawMessage) Effect {
	if len(t.DestructiveActions) == 0 {
		return t.Effect
	}
	var a struct {
		Action string `json:"action"`
	}
	if err := json.Unmarshal(args, &a); err == nil && !slices.Contains(t.DestructiveActions, a.Action) {
		return t.Effect
	}
	return EffectDestructive // unreadable action: assume the worst
}

// Declaration is the tool as offered to the model.
func (t *Tool) Declaration() llm.Tool {
	params, err := json.Marshal(t.Parameters)
	if err != nil {
		panic(fmt.Sprintf("tool %s has an unencodable schema: %v", t.Name, err)) // a defect in the table
	}
	return llm.Tool{Name: t.Name, Description: t.Description, Parameters: params}
}

// Result is a tool's answer.
type Result struct {
	Tool       string
	Text       string // what the model reads
	IsError    bool
	Effect     Effect
	ProposalID string // set when the call created a card
}

// Catalog is the fixed set of tools over one set of dependencies.
type Catalog struct {
	deps  Deps
	tools []*Tool
}

// New builds the catalog.
func New(deps Deps) (*Catalog, error) {
	if deps.Infra == nil {
		return nil, errors.New("tool catalog needs an infrastructure to read")
	}
	if deps.Sanitize == nil {
		deps.Sanitize = StripControl
	}
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	if deps.Budget <= 0 {
		deps.Budget = 6000
	}
	return &Catalog{deps: deps, tools: definitions()}, nil
}

func (c *Catalog) sanitize(s string) string { return c.deps.Sanitize(s) }

// Names lists every tool name in catalog order.
func (c *Catalog) Names() []string {
	out := make([]string, 0, len(c.tools))
	for _, t := range c.tools {
		out = append(out, t.Name)
	}
	return out
}

// Tools is what the model is offered; read-only mode (here or in Deps) leaves out write tools.
func (c *Catalog) Tools(readOnly bool) []llm.Tool {
	var out []llm.Tool
	for _, t := range c.tools {
		if t.Writes() && (readOnly || c.deps.ReadOnly) {
			continue
		}
		out = append(out, t.Declaration())
	}
	return out
}

// Lookup finds a tool by name.
func (c *Catalog) Lookup(name string) (*Tool, bool) {
	for _, t := range c.tools {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Execute runs one tool call from the model. Every failure the model should
// see (unknown tool, bad arguments, Cloudflare errors, refusals) comes back
// as a Result with IsError; the error is non-nil only when ctx ended.
func (c *Catalog) Execute(ctx context.Context, call llm.ToolCall) (Result, error) {
	t, ok := c.Lookup(call.Name)
	if !ok {
		return errorResult(call.Name, fmt.Sprintf("unknown tool %q; the tools are: %s", clip(c.sanitize(call.Name), 60), strings.Join(c.Names(), ", "))), nil
	}
	if t.Writes() && c.deps.ReadOnly {
		return errorResult(t.Name, fmt.Sprintf("driftdeck runs in read-only mode, so %s is not available; describe the change to the engineer instead of proposing it", t.Name)), nil
	}
	value, raw, err := decodeArguments(call.Arguments)
	if err != nil {
		return errorResult(t.Name, fmt.Sprintf("invalid arguments for %s: %v; call it again with a JSON object", t.Name, err)), nil
	}
	if problems := t.Parameters.Validate(value); len(problems) > 0 {
		return errorResult(t.Name, fmt.Sprintf("invalid arguments for %s: %s. Call %s again with corrected arguments.",
			t.Name, strings.Join(problems, "; "), t.Name)), nil
	}
	res, err := t.run(ctx, c, raw)
	if ctx.Err() != nil {
		return Result{Tool: t.Name, Text: "the call was cancelled", IsError: true}, ctx.Err()
	}
	if err != nil {
		res = errorResult(t.Name, escapeDelimiters(c.sanitize(err.Error())))
	}
	res.Tool, res.Effect = t.Name, t.EffectOf(raw)
	return res, nil
}

func errorResult(tool, text string) Result {
	return Result{Tool: tool, Text: "error: " + text, IsError: true}
}

// refuse is a tool's clear "no" for the model; it is not a failure of driftdeck.
type refusal struct{ msg string }

func (r refusal) Error() string { return r.msg }

func refusef(format string, args ...any) error { return refusal{fmt.Sprintf(format, args...)} }

// argsOf decodes validated arguments into a tool's argument struct.
func argsOf[T any](raw json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, refusef("could not read the arguments: %v", err)
	}
	return v, nil
}

// definitions is the catalog, in the order the model sees it.
func definitions() []*Tool {
	return []*Tool{
		listZonesTool(), listDNSRecordsTool(), getZoneSettingsTool(), getFirewallRulesTool(),
		getTrafficTool(), getFirewallEventsTool(), getDriftTool(), getAnomaliesTool(), getRecentChangesTool(),
		changeDNSRecordTool(), setZoneSettingTool(), changeFirewallRuleTool(), addRateLimitRuleTool(),
		purgeCacheTool(), deployWorkerTool(), revertDriftTool(),
	}
}

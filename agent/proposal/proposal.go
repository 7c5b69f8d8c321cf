// Package proposal holds the cards: a write the agent wants to make, with the
// exact changes (before -> after), the policy verdict, the reviewer's note and
// the humans' answers. A proposal executes only after N distinct human
// approvals bound to its content hash, a second policy check and a
// precondition check against the live state; it executes at most once.
package proposal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Status is where a proposal is in its lifecycle.
type Status string

const (
	StatusPending    Status = "pending"
	StatusApproved   Status = "approved"
	StatusExecuting  Status = "executing"
	StatusApplied    Status = "applied"
	StatusFailed     Status = "failed"
	StatusRejected   Status = "rejected"
	StatusExpired    Status = "expired"
	StatusSuperseded Status = "superseded"
)

// Final reports whether no further transition can happen.
func (s Status) Final() bool {
	switch s {
	case StatusApplied, StatusFailed, StatusRejected, StatusExpired, StatusSuperseded:
		return true
	}
	return false
}

// Effect is what a proposal does to the infrastructure.
type Effect string

const (
	EffectWrite       Effect = "write"
	EffectDestructive Effect = "destructive"
)

// Risk is a proposal's risk level; levels are ordered low < medium < high < critical.
type Risk string

const (
	RiskLow      Risk = "low"
	RiskMedium   Risk = "medium"
	RiskHigh     Risk = "high"
	RiskCritical Risk = "critical"
)

// Rank orders risk levels; unknown levels rank 0.
func (r Risk) Rank() int {
	switch r {
	case RiskLow:
		return 1
	case RiskMedium:
		return 2
	case RiskHigh:
		return 3
	case RiskCritical:
		return 4
	}
	return 0
}

// MaxRisk returns the higher of two risk levels.
func MaxRisk(a, b Risk) Risk {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Policy decisions.
const (
	DecisionAllow            = "allow"
	DecisionRequireApprovals = "require_approvals"
	DecisionDeny             = "deny"
)

// PolicyVerdict is the policy engine's answer for one phase.
type PolicyVerdict struct {
	Decision          string   `json:"decision"`
	ApprovalsRequired int      `json:"approvals_required"`
	Reasons           []string `json:"reasons"`
}

// Review is the reviewer's note. The reviewer may raise risk and approvals,
// never lower them; Missing says the review could not be obtained.
type Review struct {
	Risk              Risk     `json:"risk,omitempty"`
	Concerns          []string `json:"concerns"`
	ApprovalsRequired int      `json:"approvals_required,omitempty"`
	Missing           bool     `json:"missing,omitempty"`
	Reason            string   `json:"reason,omitempty"`
}

// Approval is one human's approval of one exact content hash.
type Approval struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Hash string    `json:"hash"`
}

// ChangeResult is the outcome of applying one change.
type ChangeResult struct {
	Kind   infra.ChangeKind `json:"kind"`
	Target string           `json:"target"`
	Status string           `json:"status"` // applied, failed, not_attempted, unknown
	Error  string           `json:"error,omitempty"`
	After  json.RawMessage  `json:"after,omitempty"`
}

// Result is what execution (or reconciliation) found.
type Result struct {
	OK         bool           `json:"ok"`
	Message    string         `json:"message"`
	Changes    []ChangeResult `json:"changes,omitempty"`
	Reconciled bool           `json:"reconciled,omitempty"`
	At         time.Time      `json:"at"`
}

// Proposal is a card. Its JSON is the stable shape `driftdeck proposals --json` prints.
type Proposal struct {
	ID                string         `json:"id"`
	Title             string         `json:"title"`
	Rationale         string         `json:"rationale"`
	Status            Status         `json:"status"`
	Effect            Effect         `json:"effect"`
	Risk              Risk           `json:"risk"`
	Changes           []infra.Change `json:"changes"`
	Policy            PolicyVerdict  `json:"policy"`
	Review            Review         `json:"review"`
	ApprovalsRequired int            `json:"approvals_required"` // effective: max(1, policy, review)
	CreatedBy         string         `json:"created_by"`
	CreatedAt         time.Time      `json:"created_at"`
	ExpiresAt         time.Time      `json:"expires_at"`
	Approvals         []Approval     `json:"approvals"`
	DecidedBy         string         `json:"decided_by,omitempty"`
	DecidedAt         *time.Time     `json:"decided_at,omitempty"`
	Reason            string         `json:"reason,omitempty"`
	Result            *Result        `json:"result,omitempty"`
	ExecutingSince    *time.Time     `json:"executing_since,omitempty"`
	Hash              string         `json:"hash"`
	Tool              string         `json:"tool,omitempty"`
	Supersedes        string         `json:"supersedes,omitempty"`
	SupersededBy      string         `json:"superseded_by,omitempty"`
}

// normalize makes empty lists print as [] rather than null.
func (p *Proposal) normalize() {
	if p.Changes == nil {
		p.Changes = []infra.Change{}
	}
	if p.Policy.Reasons == nil {
		p.Policy.Reasons = []string{}
	}
	if p.Review.Concerns == nil {
		p.Review.Concerns = []string{}
	}
	if p.Approvals == nil {
		p.Approvals = []Approval{}
	}
}

// ValidApprovers returns the distinct approvers whose approval binds the
// current content hash, in the order they approved.
func (p *Proposal) ValidApprovers() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range p.Approvals {
		if a.Hash != p.Hash || seen[a.By] {
			continue
		}
		seen[a.By] = true
		out = append(out, a.By)
	}
	return out
}

// ContentHash is the SHA-256 (hex) over the canonical JSON of what a human
// approves: title, rationale, effect and the exact changes.
func ContentHash(title, rationale string, effect Effect, changes []infra.Change) (string, error) {
	list := make([]any, 0, len(changes))
	for i, c := range changes {
		before, err := canonicalValue(c.Before)
		if err != nil {
			return "", fmt.Errorf("canonicalize change %d before: %w", i, err)
		}
		after, err := canonicalValue(c.After)
		if err != nil {
			return "", fmt.Errorf("canonicalize change %d after: %w", i, err)
		}
		list = append(list, map[string]any{
			"kind": string(c.Kind), "zone": c.Zone, "target": c.Target, "before": before, "after": after,
		})
	}
	doc := map[string]any{"title": title, "rationale": rationale, "effect": string(effect), "changes": list}
	b, err := json.Marshal(doc) // maps marshal with sorted keys: canonical
	if err != nil {
		return "", fmt.Errorf("marshal proposal content: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// canonicalValue decodes raw JSON into generic values (numbers kept exact) so
// that key order and whitespace do not change the hash.
func canonicalValue(raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// computeHash recomputes p's content hash from its content.
func (p *Proposal) computeHash() (string, error) {
	return ContentHash(p.Title, p.Rationale, p.Effect, p.Changes)
}

// EffectOfChanges is the least effect the changes imply: deletions are destructive.
func EffectOfChanges(changes []infra.Change) Effect {
	for _, c := range changes {
		if c.Kind == infra.DNSDelete || c.Kind == infra.FirewallDelete {
			return EffectDestructive
		}
	}
	return EffectWrite
}

func knownKind(k infra.ChangeKind) bool {
	switch k {
	case infra.DNSCreate, infra.DNSUpdate, infra.DNSDelete, infra.SettingEdit,
		infra.FirewallCreate, infra.FirewallUpdate, infra.FirewallEnable, infra.FirewallDisable,
		infra.FirewallDelete, infra.RateLimitAdd, infra.CachePurge, infra.WorkerDeploy:
		return true
	}
	return false
}

// clock formats a time the way messages to engineers show it.
func clock(t time.Time) string { return t.UTC().Format("15:04 UTC") }

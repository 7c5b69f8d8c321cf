package proposal

import (
	"context"
	"encoding/json"

	"github.com/driftdeck/driftdeck/agent/infra"
)

// Policy phases.
const (
	PhasePropose = "propose"
	PhaseExecute = "execute"
)

// PolicyRequest is what the policy engine judges.
type PolicyRequest struct {
	Phase    string // PhasePropose or PhaseExecute
	Tool     string
	Effect   Effect
	Changes  []infra.Change
	Actor    string    // the creator at propose, the executor at execute
	Proposal *Proposal // the card as it stands (read-only for the policy)
}

// Policy is the guardrail engine (agent/policy behind an adapter).
type Policy interface {
	Evaluate(ctx context.Context, req PolicyRequest) (PolicyVerdict, error)
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(ctx context.Context, req PolicyRequest) (PolicyVerdict, error)

// Evaluate calls f.
func (f PolicyFunc) Evaluate(ctx context.Context, req PolicyRequest) (PolicyVerdict, error) {
	return f(ctx, req)
}

// Reviewer gives a second opinion on a new proposal (usually a model).
type Reviewer interface {
	Review(ctx context.Context, request string, p *Proposal) (Review, error)
}

// Journal event types this package writes.
const (
	EventProposal         = "proposal"
	EventPolicy           = "policy"
	EventReview           = "review"
	EventApproval         = "approval"
	EventRejection        = "rejection"
	EventExpired          = "expired"
	EventSuperseded       = "superseded"
	EventExecutionStarted = "execution_started"
	EventExecutionResult  = "execution_result"
	EventReconciled       = "reconciled"
)

// Record is one journal entry.
type Record struct {
	Type    string
	Actor   string
	Subject string // the proposal id
	Data    json.RawMessage
}

// Journal is the audit journal (agent/journal behind an adapter).
type Journal interface {
	Append(ctx context.Context, r Record) error
}

// Live is the infrastructure as the execution path needs it.
type Live interface {
	Snapshot(ctx context.Context, scope infra.Scope) (*infra.Snapshot, error)
	Apply(ctx context.Context, change infra.Change) (infra.ApplyResult, error)
}

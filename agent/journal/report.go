package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// The report reads these data shapes (all keys optional; unknown keys are
// kept in the raw events, not interpreted):
//
//	proposal           the Proposal as `--json` prints it, plus "asked": the
//	                   engineer's request that led to it
//	policy             {phase, decision, approvals_required, reasons}
//	review             {risk, concerns}
//	approval           {by?}            (the event's actor when "by" is absent)
//	rejection          {reason, by?}
//	execution_started  {}
//	execution_result   {status: applied|failed, error?, result?}
//	reconciled         {status?, detail?}
//	expired/superseded {reason?}

// proposalTypes are the event types that belong to a proposal's lifecycle;
// their Subject is the proposal id.
func proposalTypes() []string {
	return []string{TypeProposal, TypePolicy, TypeReview, TypeApproval, TypeRejection,
		TypeExecutionStarted, TypeExecutionResult, TypeReconciled, TypeExpired, TypeSuperseded}
}

// Report is change-management evidence for a period.
type Report struct {
	From        time.Time        `json:"from"`
	To          time.Time        `json:"to"`
	GeneratedAt time.Time        `json:"generated_at"`
	Chain       VerifyResult     `json:"chain"`
	Proposals   []ProposalRecord `json:"proposals"`
}

// ProposalRecord is one proposal's life as the journal recorded it.
type ProposalRecord struct {
	ID        string          `json:"id"`
	Title     string          `json:"title,omitempty"`
	Asked     string          `json:"asked,omitempty"`
	Rationale string          `json:"rationale,omitempty"`
	Effect    string          `json:"effect,omitempty"`
	Risk      string          `json:"risk,omitempty"`
	CreatedBy string          `json:"created_by,omitempty"`
	CreatedAt time.Time       `json:"created_at,omitzero"`
	Changes   json.RawMessage `json:"changes,omitempty"`
	Policy    []PolicyCheck   `json:"policy"`
	Review    *Review         `json:"review,omitempty"`
	Approvals []Approval      `json:"approvals"`
	Rejection *Rejection      `json:"rejection,omitempty"`
	Execution *Execution      `json:"execution,omitempty"`
	Outcome   string          `json:"outcome"` // pending, approved, rejected, applied, failed, expired, superseded
	Seqs      []int64         `json:"event_seqs"`
}

// PolicyCheck is one policy evaluation (at proposal time or before execution).
type PolicyCheck struct {
	At                time.Time `json:"at"`
	Phase             string    `json:"phase,omitempty"`
	Decision          string    `json:"decision"`
	ApprovalsRequired int       `json:"approvals_required"`
	Reasons           []string  `json:"reasons,omitempty"`
}

// Review is the reviewer's note on a proposal.
type Review struct {
	Risk     string   `json:"risk,omitempty"`
	Concerns []string `json:"concerns,omitempty"`
}

// Approval is one human approval.
type Approval struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Rejection is who rejected a proposal and why.
type Rejection struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Execution is what happened when an approved proposal ran.
type Execution struct {
	StartedBy  string          `json:"started_by,omitempty"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
	Status     string          `json:"status,omitempty"`
	Error      string          `json:"error,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Reconciled string          `json:"reconciled,omitempty"`
}

// Report gathers every proposal with a lifecycle event in [from, to) and
// its whole history (also events outside the period), plus the chain status.
func (j *Journal) Report(ctx context.Context, from, to time.Time) (Report, error) {
	chain, err := j.Verify(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("build report: %w", err)
	}
	inRange, err := j.Events(ctx, Filter{Types: proposalTypes(), Since: from, Until: to})
	if err != nil {
		return Report{}, fmt.Errorf("build report: %w", err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, e := range inRange {
		if e.Subject != "" && !seen[e.Subject] {
			seen[e.Subject] = true
			ids = append(ids, e.Subject)
		}
	}
	rep := Report{From: from.UTC(), To: to.UTC(), GeneratedAt: j.now().UTC(), Chain: chain, Proposals: []ProposalRecord{}}
	for _, id := range ids {
		events, err := j.Events(ctx, Filter{Subject: id, Types: proposalTypes()})
		if err != nil {
			return Report{}, fmt.Errorf("build report for proposal %s: %w", id, err)
		}
		rep.Proposals = append(rep.Proposals, buildRecord(id, events))
	}
	sort.SliceStable(rep.Proposals, func(a, b int) bool {
		return rep.Proposals[a].Seqs[0] < rep.Proposals[b].Seqs[0]
	})
	return rep, nil
}

// JSON is the report as indented JSON.
func (r Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return b, nil
}

// eventData is the union of the keys the report reads from event data.
type eventData struct {
	Title             string          `json:"title"`
	Asked             string          `json:"asked"`
	Rationale         string          `json:"rationale"`
	Effect            string          `json:"effect"`
	Risk              string          `json:"risk"`
	CreatedBy         string          `json:"created_by"`
	Changes           json.RawMessage `json:"changes"`
	Phase             string          `json:"phase"`
	Decision          string          `json:"decision"`
	ApprovalsRequired int             `json:"approvals_required"`
	Reasons           []string        `json:"reasons"`
	Concerns          []string        `json:"concerns"`
	By                string          `json:"by"`
	Reason            string          `json:"reason"`
	Status            string          `json:"status"`
	Error             string          `json:"error"`
	Result            json.RawMessage `json:"result"`
	Detail            string          `json:"detail"`
}

func buildRecord(id string, events []Event) ProposalRecord {
	rec := ProposalRecord{ID: id, Outcome: "pending", Policy: []PolicyCheck{}, Approvals: []Approval{}}
	for _, e := range events {
		rec.Seqs = append(rec.Seqs, e.Seq)
		var d eventData
		// Data that does not fit the shape is still in the chain; the
		// report shows what it can read.
		_ = json.Unmarshal(e.Data, &d)
		by := d.By
		if by == "" {
			by = e.Actor
		}
		switch e.Type {
		case TypeProposal:
			rec.Title, rec.Asked, rec.Rationale = d.Title, d.Asked, d.Rationale
			rec.Effect, rec.Risk, rec.Changes = d.Effect, d.Risk, d.Changes
			rec.CreatedBy, rec.CreatedAt = d.CreatedBy, e.Time
			if rec.CreatedBy == "" {
				rec.CreatedBy = e.Actor
			}
		case TypePolicy:
			rec.Policy = append(rec.Policy, PolicyCheck{At: e.Time, Phase: d.Phase, Decision: d.Decision,
				ApprovalsRequired: d.ApprovalsRequired, Reasons: d.Reasons})
		case TypeReview:
			rec.Review = &Review{Risk: d.Risk, Concerns: d.Concerns}
		case TypeApproval:
			rec.Approvals = append(rec.Approvals, Approval{By: by, At: e.Time})
			rec.Outcome = "approved"
		case TypeRejection:
			rec.Rejection = &Rejection{By: by, At: e.Time, Reason: d.Reason}
			rec.Outcome = "rejected"
		case TypeExecutionStarted:
			rec.execution().StartedBy, rec.execution().StartedAt = e.Actor, e.Time
			rec.Outcome = "executing"
		case TypeExecutionResult:
			x := rec.execution()
			x.FinishedAt, x.Status, x.Error, x.Result = e.Time, d.Status, d.Error, d.Result
			rec.Outcome = d.Status
			if rec.Outcome == "" {
				rec.Outcome = "unknown"
			}
		case TypeReconciled:
			x := rec.execution()
			x.Reconciled = d.Status
			if d.Detail != "" {
				x.Reconciled += ": " + d.Detail
			}
		case TypeExpired:
			rec.Outcome = "expired"
		case TypeSuperseded:
			rec.Outcome = "superseded"
		}
	}
	return rec
}

func (p *ProposalRecord) execution() *Execution {
	if p.Execution == nil {
		p.Execution = &Execution{}
	}
	return p.Execution
}

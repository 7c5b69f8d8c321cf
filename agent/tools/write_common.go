package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

func rationaleArg() *Schema {
	return str("Why this change is needed, in one or two sentences for the engineer who approves it.", 1000)
}

// propose hands a write tool's exact changes to the Proposer and tells the
// model what happened. Nothing is applied here.
func (c *Catalog) propose(ctx context.Context, tool string, effect Effect, risk proposal.Risk, title, rationale string, changes []infra.Change) (Result, error) {
	if c.deps.Proposer == nil {
		return Result{}, refusef("proposals are not available in this session; describe the change to the engineer instead")
	}
	if strings.TrimSpace(rationale) == "" {
		rationale = "proposed by the agent without a stated rationale"
	}
	pe := proposal.EffectWrite
	if effect == EffectDestructive {
		pe = proposal.EffectDestructive
	}
	d := proposal.Draft{Title: title, Rationale: rationale, Tool: tool, Effect: pe, Risk: risk, Changes: changes, CreatedBy: proposal.AgentActor}
	if c.deps.Request != nil {
		d.Request = c.deps.Request(ctx)
	}
	p, err := c.deps.Proposer.Propose(ctx, d)
	if err != nil && p == nil {
		return Result{}, fmt.Errorf("could not create the proposal: %w", err)
	}
	var text string
	switch p.Status {
	case proposal.StatusPending:
		// The title is left out: it quotes Cloudflare data, which must not reach the model unmarked.
		text = fmt.Sprintf("proposal %s created (risk %s, effect %s, policy: %s). It waits for a human to approve or reject it on its card; "+
			"do not retry or propose it again. Tell the engineer what it changes and why.", p.ID, p.Risk, p.Effect, policyText(p))
	case proposal.StatusRejected:
		text = fmt.Sprintf("proposal %s was rejected by %s: %s. It will never execute; do not retry the same change. "+
			"Explain this to the engineer and suggest an alternative if there is one.", p.ID, p.DecidedBy, escapeDelimiters(c.sanitize(p.Reason)))
	default:
		text = fmt.Sprintf("proposal %s created with status %s.", p.ID, p.Status)
	}
	return Result{Text: text, ProposalID: p.ID}, nil
}

func policyText(p *proposal.Proposal) string {
	n := p.ApprovalsRequired
	noun := "approval"
	if n != 1 {
		noun = "approvals"
	}
	return fmt.Sprintf("%s, needs %d %s", strings.ReplaceAll(p.Policy.Decision, "_", " "), n, noun)
}

// mustComplete refuses to build a change from a list that was not read completely.
func mustComplete(f *infra.Fetch, what, zone string) error {
	if f == nil {
		return refusef("the %s of %s were not read; try again", what, zone)
	}
	if !f.Complete {
		return refusef("the %s of %s could not be read completely (%s), so the change cannot be built safely; try again later", what, zone, f.Error)
	}
	return nil
}

func encode(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode change payload: %v", err)) // infra types always encode
	}
	return b
}

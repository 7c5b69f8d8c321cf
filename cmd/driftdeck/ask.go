package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/agent"
	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// askJSON is the documented --json output of `driftdeck ask`.
type askJSON struct {
	Conversation string               `json:"conversation"`
	Reply        string               `json:"reply"`
	StopReason   string               `json:"stop_reason"`
	Steps        int                  `json:"steps"`
	Tools        []agent.ToolTrace    `json:"tools"`
	Proposals    []*proposal.Proposal `json:"proposals"`
	Warnings     []string             `json:"warnings,omitempty"`
}

func newAskCommand(opts *options) *cobra.Command {
	var asJSON bool
	var resume string
	cmd := &cobra.Command{
		Use:   `ask "TEXT"`,
		Short: "Ask the agent one question without the console; prints the reply and any proposals",
		Long: `ask runs one agent turn: the model investigates with read tools and may propose
changes, each as a card waiting for a human. ask never executes anything; approve cards
with "driftdeck proposals approve ID".`,
		Example: `  driftdeck ask "why are there 5xx errors on example.org?"
  driftdeck ask --json "point canary.example.com at 192.0.2.55" | jq '.proposals[].policy'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
				return errors.New(`ask takes one non-empty question in quotes, e.g. driftdeck ask "what changed on example.com?"`)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			a, acct, err := opts.openEngine(ctx)
			if err != nil {
				return err
			}
			defer acct.Close()
			defer a.Close()
			id := resume
			if id == "" {
				id = "cli-" + time.Now().UTC().Format("20060102T150405.000")
			}
			s, err := a.NewSession(ctx, id)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			stream := !asJSON
			turn, err := a.Ask(ctx, s, args[0], func(e agent.Event) {
				if !stream {
					return
				}
				switch e.Kind {
				case agent.EventText:
					fmt.Fprint(out, sanitize.Text(e.Text))
				case agent.EventToolStart:
					fmt.Fprintf(cmd.ErrOrStderr(), "⚙ %s %s\n", e.Tool, sanitize.Line(string(e.Arguments)))
				}
			})
			if err != nil {
				return err
			}
			var cards []*proposal.Proposal
			for _, pid := range turn.Proposals {
				p, err := a.Proposals.Get(ctx, pid)
				if err != nil {
					return fmt.Errorf("read proposal %s: %w", pid, err)
				}
				cards = append(cards, p)
			}
			if asJSON {
				if cards == nil {
					cards = []*proposal.Proposal{}
				}
				return writeJSON(out, askJSON{Conversation: id, Reply: turn.Reply, StopReason: turn.StopReason, Steps: turn.Steps, Tools: turn.Tools, Proposals: cards, Warnings: turn.Warnings})
			}
			for _, w := range turn.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "driftdeck: "+sanitize.Line(w))
			}
			if turn.StopReason != "answered" {
				fmt.Fprintln(out, sanitize.Text(turn.Reply))
			}
			fmt.Fprintln(out)
			for _, p := range cards {
				printCardSummary(out, p)
			}
			if len(cards) > 0 {
				fmt.Fprintln(out, "Nothing was changed. Review with `driftdeck proposals show ID`, then approve or reject.")
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "(conversation %s; continue with --resume %s)\n", id, id)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the reply, tool calls and proposals as JSON")
	cmd.Flags().StringVar(&resume, "resume", "", "continue an earlier conversation by id")
	return cmd
}

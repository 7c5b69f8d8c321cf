package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/internal/app"
)

func newProposalsCommand(opts *options) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "proposals",
		Short: "The card queue from a shell: list, show, approve, reject",
		Long: `proposals works on the same queue of cards as the console. Approving executes the card
once it has all the approvals its policy requires, through the same path as the console:
policy again, a check that the live state still equals the card's "before", then apply.
Your identity is the local user.`,
		Args: cobra.NoArgs,
		RunE: withEngine(opts, func(cmd *cobra.Command, a *app.App, _ []string) error { return listProposals(cmd, a, asJSON) }),
	}
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "print JSON (the card shape of DESIGN.md)")
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "List cards, newest first", Args: cobra.NoArgs,
		RunE: withEngine(opts, func(cmd *cobra.Command, a *app.App, _ []string) error { return listProposals(cmd, a, asJSON) }),
	})
	cmd.AddCommand(&cobra.Command{
		Use: "show ID", Short: "Show one card in full", Args: oneID,
		RunE: withEngine(opts, func(cmd *cobra.Command, a *app.App, args []string) error {
			p, err := a.Proposals.Get(cmd.Context(), args[0])
			if err != nil {
				return cardError(args[0], err)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), p)
			}
			printCard(cmd.OutOrStdout(), p)
			return nil
		}),
	})
	var hash string
	approve := &cobra.Command{
		Use: "approve ID", Short: "Approve a card (and execute it once it has enough approvals)", Args: oneID,
		RunE: withEngine(opts, func(cmd *cobra.Command, a *app.App, args []string) error {
			p, err := a.Proposals.Get(cmd.Context(), args[0])
			if err != nil {
				return cardError(args[0], err)
			}
			if hash == "" {
				hash = p.Hash
			}
			p, err = a.Approve(cmd.Context(), args[0], hash)
			if p != nil {
				if asJSON {
					if werr := writeJSON(cmd.OutOrStdout(), p); werr != nil {
						return werr
					}
				} else {
					printCardSummary(cmd.OutOrStdout(), p)
				}
			}
			return err
		}),
	}
	approve.Flags().StringVar(&hash, "hash", "", "approve only if the card's content hash is still this (from `show`)")
	cmd.AddCommand(approve)
	var reason string
	reject := &cobra.Command{
		Use: "reject ID --reason R", Short: "Reject a card with a reason the agent will see", Args: oneID,
		PreRunE: func(*cobra.Command, []string) error {
			if strings.TrimSpace(reason) == "" {
				return errors.New("flag --reason: say why, so the agent can revise the proposal")
			}
			return nil
		},
		RunE: withEngine(opts, func(cmd *cobra.Command, a *app.App, args []string) error {
			p, err := a.Reject(cmd.Context(), args[0], reason)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), p)
			}
			printCardSummary(cmd.OutOrStdout(), p)
			return nil
		}),
	}
	reject.Flags().StringVar(&reason, "reason", "", "why the card is rejected (required)")
	cmd.AddCommand(reject)
	return cmd
}

func oneID(_ *cobra.Command, args []string) error {
	if len(args) != 1 || !strings.HasPrefix(args[0], "P-") {
		return errors.New("expected one card id such as P-3 (see `driftdeck proposals list`)")
	}
	return nil
}

func cardError(id string, err error) error {
	if errors.Is(err, proposal.ErrNotFound) {
		return fmt.Errorf("no card %s (see `driftdeck proposals list`)", id)
	}
	return err
}

// withEngine runs fn with an assembled engine, closing it afterwards.
func withEngine(opts *options, fn func(cmd *cobra.Command, a *app.App, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, acct, err := opts.openEngine(cmd.Context())
		if err != nil {
			return err
		}
		defer acct.Close()
		defer a.Close()
		return fn(cmd, a, args)
	}
}

func listProposals(cmd *cobra.Command, a *app.App, asJSON bool) error {
	list, err := a.Proposals.List(cmd.Context(), proposal.ListFilter{Limit: 200})
	if err != nil {
		return err
	}
	if asJSON {
		if list == nil {
			list = []*proposal.Proposal{}
		}
		return writeJSON(cmd.OutOrStdout(), list)
	}
	if len(list) == 0 {
		fmt.Fprintln(cmd.OutOrStdout(), "No cards.")
		return nil
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tRISK\tPOLICY\tAPPROVALS\tTITLE")
	for _, p := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\n", p.ID, p.Status, p.Risk, p.Policy.Decision, len(p.Approvals), p.ApprovalsRequired, sanitize.Line(p.Title))
	}
	return tw.Flush()
}

func printCardSummary(w io.Writer, p *proposal.Proposal) {
	fmt.Fprintf(w, "%s [%s] %s\n  risk %s, policy %s", p.ID, p.Status, sanitize.Line(p.Title), p.Risk, p.Policy.Decision)
	fmt.Fprintf(w, ", approvals %d/%d", len(p.Approvals), p.ApprovalsRequired)
	if p.Review.Missing {
		fmt.Fprintf(w, ", review missing (%s)", sanitize.Line(p.Review.Reason))
	} else if p.Review.Risk != "" {
		fmt.Fprintf(w, ", reviewer: %s", p.Review.Risk)
	}
	fmt.Fprintln(w)
	for _, r := range p.Policy.Reasons {
		fmt.Fprintf(w, "  policy: %s\n", sanitize.Line(r))
	}
	if p.Result != nil {
		fmt.Fprintf(w, "  result: %s\n", sanitize.Line(p.Result.Message))
	}
}

func printCard(w io.Writer, p *proposal.Proposal) {
	printCardSummary(w, p)
	fmt.Fprintf(w, "  effect %s, created by %s at %s, hash %s\n", p.Effect, p.CreatedBy, p.CreatedAt.UTC().Format("2006-01-02 15:04:05Z"), p.Hash)
	if p.Rationale != "" {
		fmt.Fprintf(w, "\n  %s\n", strings.ReplaceAll(sanitize.Text(p.Rationale), "\n", "\n  "))
	}
	for i, c := range p.Changes {
		fmt.Fprintf(w, "\n  change %d: %s %s %s\n", i+1, c.Kind, sanitize.Hostname(c.Zone), sanitize.Line(c.Target))
		if len(c.Before) > 0 {
			fmt.Fprintf(w, "    - before: %s\n", sanitize.Line(string(c.Before)))
		}
		if len(c.After) > 0 {
			fmt.Fprintf(w, "    + after:  %s\n", sanitize.Line(string(c.After)))
		}
	}
	for _, c := range p.Review.Concerns {
		fmt.Fprintf(w, "  reviewer concern: %s\n", sanitize.Line(c))
	}
	for _, ap := range p.Approvals {
		fmt.Fprintf(w, "  approved by %s at %s\n", sanitize.Line(ap.By), ap.At.UTC().Format("15:04:05Z"))
	}
	if p.Reason != "" {
		fmt.Fprintf(w, "  decided by %s: %s\n", sanitize.Line(p.DecidedBy), sanitize.Line(p.Reason))
	}
}

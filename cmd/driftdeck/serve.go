package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/driftdeck/driftdeck/bastion"
	"github.com/driftdeck/driftdeck/internal/console"
)

// serveFlags are the bastion's own flags.
type serveFlags struct {
	listen           string
	hostKey          string
	users            string
	webhookListen    string
	webhookSecretEnv string
}

func newServeCommand(opts *options) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "The console over SSH for a bastion: public-key auth, roles, one shared engine",
		Long: `serve runs an SSH server: every on-call engineer who connects with a key named in the
users file gets the console, all over one shared engine and card queue, and approves
under their own name. Viewers get a read-only console. With --webhook-listen it also
receives Cloudflare notification webhooks (POST /webhook, header cf-webhook-auth).

Users file (YAML):
  users:
    - name: alice
      role: approver          # or viewer
      keys: ["ssh-ed25519 AAAA... alice@laptop"]`,
		Example: `  driftdeck serve --listen 127.0.0.1:2222 --users users.yaml
  ssh -t -p 2222 alice@bastion`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), opts, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:2222", "address of the SSH server")
	fl.StringVar(&f.hostKey, "host-key", "", "SSH host key; an ed25519 key is generated there when missing (default <state-dir>/ssh_host_ed25519_key)")
	fl.StringVar(&f.users, "users", "", "users file (YAML): who may connect, with which keys, as approver or viewer")
	fl.StringVar(&f.webhookListen, "webhook-listen", "", "address of the Cloudflare webhook receiver (POST /webhook); off when empty")
	fl.StringVar(&f.webhookSecretEnv, "webhook-secret-env", "DRIFTDECK_WEBHOOK_SECRET", "environment variable holding the webhook secret (Cloudflare's cf-webhook-auth header)")
	return cmd
}

// runServe wires the shared engine, starts its watchers once, and serves
// SSH (and webhooks) until the command's context ends.
func runServe(ctx context.Context, o *options, f serveFlags) error {
	if f.users == "" {
		return errors.New("flag --users: a users file is required (see driftdeck serve --help)")
	}
	users, err := bastion.LoadUsers(f.users)
	if err != nil {
		return err
	}
	hostKey := f.hostKey
	if hostKey == "" {
		hostKey = filepath.Join(o.stateDir, "ssh_host_ed25519_key") // before connect moves a sandbox's state
	}
	var secret string
	if f.webhookListen != "" {
		if secret = os.Getenv(f.webhookSecretEnv); strings.TrimSpace(secret) == "" {
			return fmt.Errorf("flag --webhook-secret-env: the environment variable %s is empty; set it to the secret of the Cloudflare webhook destination", f.webhookSecretEnv)
		}
	}

	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	a, llmClient, acct, err := o.openLive(engineCtx)
	if err != nil {
		return err
	}
	defer acct.Close()
	defer a.Close()

	srv, err := bastion.New(a, llmClient, bastion.Options{
		Listen: f.listen, HostKeyPath: hostKey, Users: users, ReadOnly: o.readOnly, Log: os.Stderr,
		Console: console.Options{Sandbox: acct.sandbox != nil, Account: acct.label(), Model: o.model},
	})
	if err != nil {
		return err
	}
	runEngine(engineCtx, a)

	webhookDone := make(chan error, 1)
	if f.webhookListen != "" {
		h, err := bastion.NewWebhook(bastion.WebhookOptions{Secret: secret, Journal: a.Journal, Bus: a.Bus, Log: os.Stderr})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", f.webhookListen)
		if err != nil {
			return fmt.Errorf("flag --webhook-listen: %w", err)
		}
		fmt.Printf("driftdeck serve: webhook listening on http://%s/webhook\n", ln.Addr())
		go func() { webhookDone <- bastion.ServeWebhook(ctx, ln, h) }()
	} else {
		webhookDone <- nil
	}
	fmt.Printf("driftdeck serve: ssh listening on %s (%d users)\n", srv.Addr(), users.Len())
	err = srv.Serve(ctx)
	if werr := <-webhookDone; err == nil {
		err = werr
	}
	return err
}

package bastion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/wish/v2"
	wishtea "charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/ssh"

	"github.com/driftdeck/driftdeck/agent/sanitize"
	"github.com/driftdeck/driftdeck/internal/app"
	"github.com/driftdeck/driftdeck/internal/console"
	"github.com/driftdeck/driftdeck/providers/ollama"
	"github.com/driftdeck/driftdeck/ui"
)

// Options configure the SSH server.
type Options struct {
	Listen      string // e.g. 127.0.0.1:2222
	HostKeyPath string // generated (ed25519, 0600) when missing
	Users       *Users
	// ReadOnly makes every session read-only, whatever the users' roles.
	ReadOnly bool
	// Console is the template of every session's console; User and
	// ReadOnly are set per session from the users file.
	Console console.Options
	// Log receives one line per connection; never key material or tokens.
	Log io.Writer
	// ShutdownGrace bounds how long Serve waits for sessions to end after
	// its context ends; default 5 s.
	ShutdownGrace time.Duration
}

// Server is the bastion: one shared engine, one console per SSH session.
type Server struct {
	app      *app.App
	llm      *ollama.Client
	opts     Options
	log      io.Writer
	ssh      *ssh.Server
	ln       net.Listener
	sessions sync.WaitGroup
}

// New builds the server over the engine a and starts listening (so Addr is
// known); Serve accepts connections.
func New(a *app.App, llm *ollama.Client, o Options) (*Server, error) {
	if o.Users == nil || o.Users.Len() == 0 {
		return nil, errNoUsers
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 5 * time.Second
	}
	signer, err := LoadOrCreateHostKey(o.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s := &Server{app: a, llm: llm, opts: o, log: o.Log}
	srv, err := wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithPublicKeyAuth(s.authorize),
		ssh.WrapConn(s.trackConn),
		// The last middleware runs first: identity and bookkeeping, then
		// the console.
		wish.WithMiddleware(wishtea.MiddlewareWithProgramHandler(s.program), s.session),
	)
	if err != nil {
		return nil, fmt.Errorf("configure the ssh server: %w", err)
	}
	s.ssh = srv
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen for ssh on %s: %w", o.Listen, err)
	}
	s.ln = ln
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until ctx ends, then stops accepting, closes
// every session and waits (a bounded time) for their consoles to end.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.ssh.Serve(s.ln) }()
	select {
	case err := <-errc:
		_ = s.ssh.Close()
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve ssh: %w", err)
	case <-ctx.Done():
	}
	_ = s.ssh.Close() // closes the listener and every connection
	<-errc
	done := make(chan struct{})
	go func() { s.sessions.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.opts.ShutdownGrace):
		fmt.Fprintln(s.log, "driftdeck serve: some sessions did not end in time; exiting anyway")
	}
	return nil
}

// authorize accepts a key only if the users file names it. The identity is
// the key's owner, never the login name the client typed.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	u, ok := s.opts.Users.Match(key)
	recordOf(ctx).offered(ctx.User(), key, u.Name, ok)
	return ok
}

type userKey struct{}

// session resolves the person behind the session and refuses what the
// bastion does not serve (commands, sessions without a terminal).
func (s *Server) session(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.sessions.Add(1)
		defer s.sessions.Done()
		rec := recordOf(sess.Context())
		u, ok := s.opts.Users.Match(sess.PublicKey())
		if !ok { // cannot happen with public-key auth only; refuse anyway
			rec.setOutcome("refused: no authenticated key")
			_ = sess.Exit(1)
			return
		}
		if sess.User() != u.Name {
			fmt.Fprintf(s.log, "driftdeck serve: ssh login %q from %s used %s's key; acting as %s\n",
				sanitize.Line(sess.User()), sess.RemoteAddr(), u.Name, u.Name)
		}
		if len(sess.Command()) > 0 {
			rec.setOutcome("refused: a command was requested")
			wish.Fatalln(sess, "driftdeck: this bastion serves only the console; connect without a command (ssh -t HOST)")
			return
		}
		if _, _, hasPty := sess.Pty(); !hasPty {
			rec.setOutcome("refused: no terminal")
			wish.Fatalln(sess, "driftdeck: the console needs a terminal; connect with ssh -t")
			return
		}
		sess.Context().SetValue(userKey{}, u)
		rec.sessionStarted()
		next(sess)
	}
}

// program builds this person's console over the shared engine; the
// console's goroutines live as long as the session's context.
func (s *Server) program(sess ssh.Session) *tea.Program {
	u, ok := sess.Context().Value(userKey{}).(User)
	if !ok {
		return nil
	}
	ctx := sess.Context()
	o := s.opts.Console
	o.User = u.Name
	o.ReadOnly = s.opts.ReadOnly || u.Role != RoleApprover
	con := console.New(s.app, s.llm, o)
	go con.WatchModel(ctx)
	model := ui.New(con, ui.Options{NoColor: hasEnv(sess.Environ(), "NO_COLOR")})
	return tea.NewProgram(model, wishtea.MakeOptions(sess)...)
}

// hasEnv reports whether the client sent the variable (NO_COLOR's rule:
// present, whatever its value).
func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			return true
		}
	}
	return false
}

package bastion

import (
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// connRecord gathers what one connection did, so that it is logged as one
// line when the connection closes: who, with which key, from where, and
// how it ended. It never holds key material, only fingerprints.
type connRecord struct {
	mu          sync.Mutex
	remote      string
	sshUser     string // what the client typed: untrusted
	user        string // the users-file name the key belongs to
	fingerprint string
	rejected    []string // fingerprints of unknown keys offered
	started     time.Time
	outcome     string
}

type connRecordKey struct{}

// loggedConn logs the connection's record once, when it closes.
type loggedConn struct {
	net.Conn
	rec  *connRecord
	log  io.Writer
	once sync.Once
}

func (c *loggedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { fmt.Fprintln(c.log, c.rec.line()) })
	return err
}

// trackConn is the server's ConnCallback: every connection gets a record.
func (s *Server) trackConn(ctx ssh.Context, conn net.Conn) net.Conn {
	rec := &connRecord{remote: conn.RemoteAddr().String()}
	ctx.SetValue(connRecordKey{}, rec)
	return &loggedConn{Conn: conn, rec: rec, log: s.log}
}

func recordOf(ctx ssh.Context) *connRecord {
	rec, _ := ctx.Value(connRecordKey{}).(*connRecord)
	if rec == nil {
		return &connRecord{}
	}
	return rec
}

func (r *connRecord) offered(sshUser string, key gossh.PublicKey, user string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sshUser = sshUser
	fp := gossh.FingerprintSHA256(key)
	if ok {
		r.user, r.fingerprint = user, fp
		return
	}
	r.rejected = append(r.rejected, fp)
}

func (r *connRecord) sessionStarted() {
	r.mu.Lock()
	r.started = time.Now()
	r.mu.Unlock()
}

func (r *connRecord) setOutcome(outcome string) {
	r.mu.Lock()
	r.outcome = outcome
	r.mu.Unlock()
}

func (r *connRecord) line() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	outcome := r.outcome
	switch {
	case outcome != "":
	case !r.started.IsZero():
		outcome = "session ended after " + time.Since(r.started).Round(time.Second).String()
	case r.user != "":
		outcome = "authenticated, no console session"
	case len(r.rejected) > 0:
		outcome = fmt.Sprintf("rejected: unknown key %s", r.rejected[len(r.rejected)-1])
	default:
		outcome = "closed before authentication"
	}
	user, fp := r.user, r.fingerprint
	if user == "" {
		user = "-"
	}
	if fp == "" {
		fp = "-"
	}
	return fmt.Sprintf("driftdeck serve: ssh connection from %s user=%s ssh-login=%q key=%s outcome=%q",
		r.remote, user, sanitize.Line(r.sshUser), fp, outcome)
}

// Package journal is driftdeck's append-only audit journal: every turn, tool
// call, proposal, policy verdict, approval and execution lands here as an
// event, in one SQLite file that several processes may append to at once
// (the TUI and a `driftdeck proposals approve` in another shell).
//
// Tamper evidence comes from the hash chain, not from SQLite. Each event
// carries the hash of the one before it, and its own hash is
// sha256(Canonical(event without hash)) — see Canonical and hashEvent for
// the exact bytes. The package never issues UPDATE or DELETE, and triggers
// refuse them, but anyone with write access to the file can drop the
// triggers; Verify then names the first event whose hash, prev_hash or seq
// no longer fits. Someone who rewrites every hash from the edited event to
// the end produces a consistent chain again, which is why VerifyResult and
// the report carry the head hash: record it somewhere else (a change ticket)
// and a rewrite shows as a different head. Removing the newest events is
// likewise only visible against a recorded head or count.
//
// Appends run in a BEGIN IMMEDIATE transaction (the write lock is taken
// before the previous hash is read), the file is in WAL mode with a busy
// timeout, so concurrent appenders serialise instead of forking the chain.
//
// Secrets: Append refuses an event containing any registered secret (given
// in Options.Secrets or through RedactSecret) and appends nothing.
package journal

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go driver "sqlite"
)

// Event types. The type is a free string; these are the ones driftdeck writes.
const (
	TypeTurn             = "turn"
	TypeToolCall         = "tool_call"
	TypeToolResult       = "tool_result"
	TypeProposal         = "proposal"
	TypePolicy           = "policy"
	TypeReview           = "review"
	TypeApproval         = "approval"
	TypeRejection        = "rejection"
	TypeExecutionStarted = "execution_started"
	TypeExecutionResult  = "execution_result"
	TypeReconciled       = "reconciled"
	TypeFinding          = "finding"
	TypeExpired          = "expired"
	TypeSuperseded       = "superseded"
)

// maxDataBytes bounds one event's data so a runaway tool result cannot bloat
// the evidence file.
const maxDataBytes = 1 << 20

// timeLayout has a fixed width so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Event is one journal entry. Append fills Seq, Time, PrevHash and Hash.
type Event struct {
	Seq      int64           `json:"seq"`
	Time     time.Time       `json:"time"`
	Type     string          `json:"type"`
	Actor    string          `json:"actor"`
	Subject  string          `json:"subject,omitempty"` // proposal id, conversation id...
	Data     json.RawMessage `json:"data,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Options configure Open.
type Options struct {
	Secrets []string         // values that must never be written (the API token)
	Now     func() time.Time // clock; time.Now when nil
}

// Filter selects events. The zero value selects all of them.
type Filter struct {
	Subject  string
	Types    []string
	Since    time.Time // inclusive
	Until    time.Time // exclusive; zero means no upper bound
	AfterSeq int64     // only events with a larger seq
	Limit    int       // 0 means no limit
}

// Journal is an open journal file. It is safe for concurrent use.
type Journal struct {
	db  *sql.DB
	now func() time.Time

	mu      sync.RWMutex
	secrets [][]byte // each secret raw and JSON-escaped
}

// ErrSecret is returned when an event would write a registered secret.
var ErrSecret = errors.New("event contains a registered secret; nothing was appended")

const schema = `
CREATE TABLE IF NOT EXISTS events (
	seq       INTEGER PRIMARY KEY,
	time      TEXT NOT NULL,
	type      TEXT NOT NULL,
	actor     TEXT NOT NULL,
	subject   TEXT NOT NULL,
	data      TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_subject ON events(subject, seq);
CREATE INDEX IF NOT EXISTS events_type ON events(type, seq);
CREATE INDEX IF NOT EXISTS events_time ON events(time);
CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
`

// Open opens (creating if needed) the journal at path.
func Open(ctx context.Context, path string, opts Options) (*Journal, error) {
	if strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("journal path %q must be a plain file path without '?'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create journal directory: %w", err)
	}
	// Create the file owner-only before SQLite does (it would use 0644).
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal file %s: %w", path, err)
	}
	_ = f.Close()

	q := url.Values{}
	q.Add("_pragma", "busy_timeout(15000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j := &Journal{db: db, now: opts.Now}
	if j.now == nil {
		j.now = time.Now
	}
	for _, s := range opts.Secrets {
		j.RedactSecret(s)
	}
	if err := j.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("prepare journal %s: %w", path, err)
	}
	return j, nil
}

func (j *Journal) migrate(ctx context.Context) error {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the journal.
func (j *Journal) Close() error { return j.db.Close() }

// RedactSecret registers a value that must never be written to the journal.
// Append refuses any later event that contains it. Empty values are ignored.
func (j *Journal) RedactSecret(secret string) {
	if secret == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.secrets = append(j.secrets, []byte(secret))
	if esc := jsonString(secret); !bytes.Equal(esc[1:len(esc)-1], []byte(secret)) {
		j.secrets = append(j.secrets, esc[1:len(esc)-1])
	}
}

func (j *Journal) containsSecret(parts ...[]byte) bool {
	j.mu.RLock()
	defer j.mu.RUnlock()
	for _, s := range j.secrets {
		for _, p := range parts {
			if bytes.Contains(p, s) {
				return true
			}
		}
	}
	return false
}

// Append adds e at the end of the chain and returns it with Seq, Time,
// PrevHash and Hash filled in. Data must be JSON (empty means null); it is
// stored in canonical form.
func (j *Journal) Append(ctx context.Context, e Event) (Event, error) {
	if strings.TrimSpace(e.Type) == "" {
		return Event{}, errors.New("append journal event: the event type is empty")
	}
	if strings.TrimSpace(e.Actor) == "" {
		return Event{}, fmt.Errorf("append %s event: the actor is empty", e.Type)
	}
	if len(e.Data) > maxDataBytes {
		return Event{}, fmt.Errorf("append %s event: data is %d bytes, more than the %d allowed", e.Type, len(e.Data), maxDataBytes)
	}
	data := []byte("null")
	if len(bytes.TrimSpace(e.Data)) > 0 {
		c, err := Canonical(e.Data)
		if err != nil {
			return Event{}, fmt.Errorf("append %s event: %w", e.Type, err)
		}
		data = c
	}
	if j.containsSecret([]byte(e.Type), []byte(e.Actor), []byte(e.Subject), e.Data, data) {
		return Event{}, fmt.Errorf("append %s event: %w", e.Type, ErrSecret)
	}
	e.Data = data
	e.Time = j.now().UTC().Round(0)
	timeText := e.Time.Format(timeLayout)

	tx, err := j.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE via _txlock
	if err != nil {
		return Event{}, fmt.Errorf("append %s event: begin: %w", e.Type, err)
	}
	defer func() { _ = tx.Rollback() }()

	var lastSeq int64
	var lastHash string
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1`).Scan(&lastSeq, &lastHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("append %s event: read chain head: %w", e.Type, err)
	}
	e.Seq = lastSeq + 1
	e.PrevHash = lastHash
	e.Hash, err = hashEvent(e.Seq, timeText, e.Type, e.Actor, e.Subject, e.Data, e.PrevHash)
	if err != nil {
		return Event{}, fmt.Errorf("append %s event: %w", e.Type, err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO events (seq, time, type, actor, subject, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, timeText, e.Type, e.Actor, e.Subject, string(e.Data), e.PrevHash, e.Hash)
	if err != nil {
		return Event{}, fmt.Errorf("append %s event: insert: %w", e.Type, err)
	}
	if err := tx.Commit(); err != nil {
		return Event{}, fmt.Errorf("append %s event: commit: %w", e.Type, err)
	}
	return e, nil
}

// Events returns the events matching f, oldest first.
func (j *Journal) Events(ctx context.Context, f Filter) ([]Event, error) {
	var where []string
	var args []any
	if f.Subject != "" {
		where = append(where, "subject = ?")
		args = append(args, f.Subject)
	}
	if len(f.Types) > 0 {
		where = append(where, "type IN (?"+strings.Repeat(", ?", len(f.Types)-1)+")")
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.Since.UTC().Format(timeLayout))
	}
	if !f.Until.IsZero() {
		where = append(where, "time < ?")
		args = append(args, f.Until.UTC().Format(timeLayout))
	}
	if f.AfterSeq > 0 {
		where = append(where, "seq > ?")
		args = append(args, f.AfterSeq)
	}
	query := `SELECT seq, time, type, actor, subject, data, prev_hash, hash FROM events`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq"
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := j.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query journal events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("read journal event: %w", err)
		}
		e, err := r.event()
		if err != nil {
			return nil, fmt.Errorf("read journal event %d: %w", r.seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read journal events: %w", err)
	}
	return out, nil
}

// row is an event as stored, text exactly as in the file.
type row struct {
	seq                                       int64
	time, typ, actor, subject, data, prevHash string
	hash                                      string
}

func scanRow(rows *sql.Rows) (row, error) {
	var r row
	err := rows.Scan(&r.seq, &r.time, &r.typ, &r.actor, &r.subject, &r.data, &r.prevHash, &r.hash)
	return r, err
}

func (r row) event() (Event, error) {
	t, err := time.Parse(timeLayout, r.time)
	if err != nil {
		return Event{}, fmt.Errorf("stored time %q is malformed: %w", r.time, err)
	}
	return Event{Seq: r.seq, Time: t, Type: r.typ, Actor: r.actor, Subject: r.subject,
		Data: json.RawMessage(r.data), PrevHash: r.prevHash, Hash: r.hash}, nil
}

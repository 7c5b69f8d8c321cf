package proposal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // driver "sqlite"
)

// ErrNotFound is returned for an unknown proposal id.
var ErrNotFound = errors.New("proposal not found")

// errConflict means another writer changed the row between read and write;
// it cannot happen under BEGIN IMMEDIATE but the conditional UPDATE checks anyway.
var errConflict = errors.New("proposal changed concurrently")

// Store keeps proposals in SQLite so several processes (the TUI, the SSH
// server, `driftdeck proposals approve` in another shell) share one queue.
// Every state transition runs in a BEGIN IMMEDIATE transaction and ends in an
// UPDATE conditional on the status it read.
type Store struct {
	db *sql.DB
}

// OpenStore opens (creating if needed) the proposal store at path.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open proposal store: path %q must be non-empty and contain no ? or #", path)
	}
	dsn := path + "?_txlock=immediate&_busy_timeout=15000&_journal_mode=WAL&_synchronous=NORMAL"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open proposal store %s: %w", path, err)
	}
	const schema = `
CREATE TABLE IF NOT EXISTS proposals (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT UNIQUE,
	status     TEXT NOT NULL,
	hash       TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS proposals_status ON proposals(status, expires_at);`
	if err := withTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, schema)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("create proposal schema in %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Get returns one proposal.
func (s *Store) Get(ctx context.Context, id string) (*Proposal, error) {
	return getProposal(ctx, s.db, id)
}

// ListFilter narrows List. Zero value: every proposal, newest first.
type ListFilter struct {
	Statuses []Status
	Limit    int
}

// List returns proposals, newest first.
func (s *Store) List(ctx context.Context, f ListFilter) ([]*Proposal, error) {
	q := "SELECT doc FROM proposals"
	var args []any
	if len(f.Statuses) > 0 {
		q += " WHERE status IN (" + strings.TrimSuffix(strings.Repeat("?,", len(f.Statuses)), ",") + ")"
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	q += " ORDER BY seq DESC"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	defer rows.Close()
	var out []*Proposal
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("list proposals: %w", err)
		}
		p, err := decodeDoc(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	return out, nil
}

// dueForExpiry returns the ids of pending proposals whose expiry has passed.
func (s *Store) dueForExpiry(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM proposals WHERE status = ? AND expires_at <= ? ORDER BY seq",
		string(StatusPending), now.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("find expired proposals: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find expired proposals: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// idsWithStatus returns the ids of proposals in one status, oldest first.
func (s *Store) idsWithStatus(ctx context.Context, st Status) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM proposals WHERE status = ? ORDER BY seq", string(st))
	if err != nil {
		return nil, fmt.Errorf("find %s proposals: %w", st, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find %s proposals: %w", st, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// mutate runs fn on the stored proposal inside one BEGIN IMMEDIATE
// transaction and writes the result back only if the status is still the
// one read. When fn returns an error nothing is written.
func (s *Store) mutate(ctx context.Context, id string, fn func(p *Proposal) error) (*Proposal, error) {
	var out *Proposal
	err := withTx(ctx, s.db, func(tx *sql.Tx) error {
		p, err := getProposal(ctx, tx, id)
		if err != nil {
			return err
		}
		old := p.Status
		if err := fn(p); err != nil {
			return err
		}
		if err := putProposal(ctx, tx, p, old); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// insert stores a new proposal, assigning its id P-<seq>.
func insertProposal(ctx context.Context, tx *sql.Tx, p *Proposal) error {
	res, err := tx.ExecContext(ctx, "INSERT INTO proposals(status, hash, expires_at, doc) VALUES (?, ?, ?, '{}')",
		string(p.Status), p.Hash, p.ExpiresAt.UnixNano())
	if err != nil {
		return fmt.Errorf("insert proposal: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert proposal: %w", err)
	}
	p.ID = "P-" + strconv.FormatInt(seq, 10)
	doc, err := encodeDoc(p)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE proposals SET id = ?, doc = ? WHERE seq = ?", p.ID, doc, seq); err != nil {
		return fmt.Errorf("insert proposal %s: %w", p.ID, err)
	}
	return nil
}

func putProposal(ctx context.Context, tx *sql.Tx, p *Proposal, oldStatus Status) error {
	doc, err := encodeDoc(p)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, "UPDATE proposals SET status = ?, hash = ?, expires_at = ?, doc = ? WHERE id = ? AND status = ?",
		string(p.Status), p.Hash, p.ExpiresAt.UnixNano(), doc, p.ID, string(oldStatus))
	if err != nil {
		return fmt.Errorf("update proposal %s: %w", p.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update proposal %s: %w", p.ID, err)
	}
	if n != 1 {
		return fmt.Errorf("update proposal %s: %w", p.ID, errConflict)
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getProposal(ctx context.Context, q queryer, id string) (*Proposal, error) {
	var doc string
	err := q.QueryRowContext(ctx, "SELECT doc FROM proposals WHERE id = ?", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read proposal %s: %w", id, err)
	}
	return decodeDoc(doc)
}

func encodeDoc(p *Proposal) (string, error) {
	p.normalize()
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode proposal %s: %w", p.ID, err)
	}
	return string(b), nil
}

func decodeDoc(doc string) (*Proposal, error) {
	var p Proposal
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("decode stored proposal: %w", err)
	}
	p.normalize()
	return &p, nil
}

// withTx runs fn in a transaction; with _txlock=immediate it starts with
// BEGIN IMMEDIATE, so concurrent writers (other processes too) serialize on
// the write lock instead of failing late with SQLITE_BUSY on upgrade.
func withTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

package agent

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/driftdeck/driftdeck/agent/llm"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// SQLiteConversations persists conversations in a SQLite file so a session
// can be resumed after a restart.
type SQLiteConversations struct{ db *sql.DB }

// OpenConversations opens (creating if needed) the conversation store at path.
func OpenConversations(ctx context.Context, path string) (*SQLiteConversations, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, fmt.Errorf("open conversations %s: %w", path, err)
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS conversations (
		id TEXT PRIMARY KEY,
		updated_at TEXT NOT NULL,
		messages TEXT NOT NULL
	)`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("create conversations table in %s: %w", path, err)
	}
	return &SQLiteConversations{db: db}, nil
}

// Save replaces the conversation's messages.
func (c *SQLiteConversations) Save(ctx context.Context, id string, msgs []llm.Message) error {
	b, err := json.Marshal(msgs)
	if err != nil {
		return fmt.Errorf("encode conversation %s: %w", id, err)
	}
	_, err = c.db.ExecContext(ctx, `INSERT INTO conversations(id, updated_at, messages) VALUES(?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, messages = excluded.messages`,
		id, time.Now().UTC().Format(time.RFC3339Nano), string(b))
	if err != nil {
		return fmt.Errorf("save conversation %s: %w", id, err)
	}
	return nil
}

// Load returns the conversation's messages, or none when it does not exist.
func (c *SQLiteConversations) Load(ctx context.Context, id string) ([]llm.Message, error) {
	var raw string
	err := c.db.QueryRowContext(ctx, `SELECT messages FROM conversations WHERE id = ?`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation %s: %w", id, err)
	}
	var msgs []llm.Message
	if err := json.Unmarshal([]byte(raw), &msgs); err != nil {
		return nil, fmt.Errorf("decode conversation %s: %w", id, err)
	}
	return msgs, nil
}

// Latest returns the id of the most recently updated conversation, if any.
func (c *SQLiteConversations) Latest(ctx context.Context) (string, error) {
	var id string
	err := c.db.QueryRowContext(ctx, `SELECT id FROM conversations ORDER BY updated_at DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// Close closes the store.
func (c *SQLiteConversations) Close() error { return c.db.Close() }

package journal

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock returns successive seconds from a fixed start.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func openTest(t *testing.T, path string, opts Options) *Journal {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fakeClock()
	}
	j, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("open journal: %v", err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

func appendN(t *testing.T, j *Journal, n int) []Event {
	t.Helper()
	var out []Event
	for i := range n {
		e, err := j.Append(context.Background(), Event{Type: TypeTurn, Actor: "alice", Subject: "conv-1",
			Data: json.RawMessage(fmt.Sprintf(`{"i": %d, "text": "hello"}`, i))})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		out = append(out, e)
	}
	return out
}

// rawDB opens the journal file directly, as an attacker with file access would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestAppendChainsAndVerifies(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "journal.db"), Options{})
	events := appendN(t, j, 5)
	for i, e := range events {
		if e.Seq != int64(i+1) {
			t.Errorf("event %d has seq %d", i, e.Seq)
		}
		if i > 0 && e.PrevHash != events[i-1].Hash {
			t.Errorf("event %d prev_hash %q, want %q", e.Seq, e.PrevHash, events[i-1].Hash)
		}
		if len(e.Hash) != 64 {
			t.Errorf("event %d hash %q is not sha256 hex", e.Seq, e.Hash)
		}
	}
	if events[0].PrevHash != "" {
		t.Errorf("first event prev_hash = %q, want empty", events[0].PrevHash)
	}
	if string(events[0].Data) != `{"i":0,"text":"hello"}` {
		t.Errorf("data not stored canonically: %s", events[0].Data)
	}
	res, err := j.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Count != 5 || res.HeadHash != events[4].Hash || res.FirstBroken != nil {
		t.Fatalf("verify = %+v, want OK with 5 events and head %s", res, events[4].Hash)
	}
}

func TestEventsFilter(t *testing.T) {
	ctx := context.Background()
	j := openTest(t, filepath.Join(t.TempDir(), "journal.db"), Options{})
	mustAppend := func(typ, subject string) Event {
		e, err := j.Append(ctx, Event{Type: typ, Actor: "bob", Subject: subject, Data: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	mustAppend(TypeProposal, "p1")
	second := mustAppend(TypeApproval, "p1")
	mustAppend(TypeProposal, "p2")
	mustAppend(TypeExecutionResult, "p1")

	got, err := j.Events(ctx, Filter{Subject: "p1", Types: []string{TypeApproval, TypeExecutionResult}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Type != TypeApproval || got[1].Type != TypeExecutionResult {
		t.Fatalf("filtered events = %+v", got)
	}
	got, err = j.Events(ctx, Filter{Since: second.Time})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Seq != second.Seq {
		t.Fatalf("events since %v = %d events starting at %d", second.Time, len(got), got[0].Seq)
	}
	if !got[0].Time.Equal(second.Time) || got[0].Hash != second.Hash {
		t.Errorf("read back %+v, appended %+v", got[0], second)
	}
}

func TestTriggersRefuseUpdateAndDelete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openTest(t, path, Options{})
	appendN(t, j, 2)
	db := rawDB(t, path)
	if _, err := db.Exec(`UPDATE events SET actor = 'mallory' WHERE seq = 1`); err == nil {
		t.Error("UPDATE succeeded; the append-only trigger should refuse it")
	}
	if _, err := db.Exec(`DELETE FROM events WHERE seq = 1`); err == nil {
		t.Error("DELETE succeeded; the append-only trigger should refuse it")
	}
}

func TestVerifyDetectsTamperedData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openTest(t, path, Options{})
	events := appendN(t, j, 6)
	db := rawDB(t, path)
	// The attacker drops the trigger: SQLite alone is not the protection.
	mustExec(t, db, `DROP TRIGGER events_append_only_update`)
	mustExec(t, db, `UPDATE events SET data = '{"i":3,"text":"nothing to see"}' WHERE seq = 4`)

	res, err := j.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || res.FirstBroken == nil {
		t.Fatalf("verify = %+v, want broken", res)
	}
	fb := res.FirstBroken
	if fb.Seq != 4 || fb.Reason != ReasonHashMismatch || fb.Type != TypeTurn || !fb.Time.Equal(events[3].Time) {
		t.Fatalf("first broken = %+v, want seq 4 hash mismatch at %v", fb, events[3].Time)
	}
	if res.Count != 3 {
		t.Errorf("count = %d, want the 3 events before the broken one", res.Count)
	}
}

func TestVerifyDetectsRehashedEventThroughNextPrevHash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openTest(t, path, Options{})
	appendN(t, j, 4)
	db := rawDB(t, path)
	mustExec(t, db, `DROP TRIGGER events_append_only_update`)
	// Forge event 2 and give it a valid hash of its own; event 3 still
	// points at the original.
	var tm, typ, actor, subject, prev string
	if err := db.QueryRow(`SELECT time, type, actor, subject, prev_hash FROM events WHERE seq = 2`).Scan(&tm, &typ, &actor, &subject, &prev); err != nil {
		t.Fatal(err)
	}
	forged := json.RawMessage(`{"forged":true}`)
	h, err := hashEvent(2, tm, typ, actor, subject, forged, prev)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, `UPDATE events SET data = ?, hash = ? WHERE seq = 2`, string(forged), h)

	res, err := j.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || res.FirstBroken.Seq != 3 || res.FirstBroken.Reason != ReasonPrevHashMismatch {
		t.Fatalf("verify = %+v / %+v, want seq 3 prev_hash mismatch", res, res.FirstBroken)
	}
}

func TestVerifyDetectsDeletedMiddleRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openTest(t, path, Options{})
	appendN(t, j, 5)
	db := rawDB(t, path)
	mustExec(t, db, `DROP TRIGGER events_append_only_delete`)
	mustExec(t, db, `DELETE FROM events WHERE seq = 3`)

	res, err := j.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || res.FirstBroken.Seq != 4 || res.FirstBroken.Reason != ReasonSeqGap {
		t.Fatalf("verify = %+v / %+v, want seq 4 seq gap", res, res.FirstBroken)
	}
}

func TestConcurrentAppendsFromTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	clock := fakeClock()
	a := openTest(t, path, Options{Now: clock})
	b := openTest(t, path, Options{Now: clock})
	const perWriter = 40
	var wg sync.WaitGroup
	errs := make(chan error, 4*perWriter)
	for w, j := range []*Journal{a, b, a, b} {
		wg.Go(func() {
			for i := range perWriter {
				_, err := j.Append(context.Background(), Event{Type: TypeToolCall, Actor: fmt.Sprintf("writer-%d", w),
					Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	res, err := a.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Count != 4*perWriter {
		t.Fatalf("verify after concurrent appends = %+v / %+v, want OK with %d events", res, res.FirstBroken, 4*perWriter)
	}
}

func TestAppendRefusesSecrets(t *testing.T) {
	const token = "Zx9_kQ2-vL7mN4pR8sT1uW3yA5bC6dE0fG2hJ4kL"
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	j := openTest(t, path, Options{Secrets: []string{token}})
	const other = "second-secret-value-123"
	j.RedactSecret(other)
	appendN(t, j, 1)

	cases := []Event{
		{Type: TypeToolResult, Actor: "agent", Data: json.RawMessage(`{"content":"token is ` + token + `"}`)},
		// The same token hidden behind a JSON escape is still the token.
		{Type: TypeToolResult, Actor: "agent", Data: json.RawMessage(`{"content":"\u005a` + token[1:] + `"}`)},
		{Type: TypeTurn, Actor: "agent", Subject: token},
		{Type: TypeTurn, Actor: "agent", Data: json.RawMessage(`["` + other + `"]`)},
	}
	for i, e := range cases {
		_, err := j.Append(context.Background(), e)
		if !errors.Is(err, ErrSecret) {
			t.Errorf("case %d: err = %v, want ErrSecret", i, err)
		}
		if err != nil && (strings.Contains(err.Error(), token) || strings.Contains(err.Error(), other)) {
			t.Errorf("case %d: the error message reveals the secret", i)
		}
	}
	events, err := j.Events(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events in the journal, want only the 1 clean one", len(events))
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "journal.db*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(token)) || bytes.Contains(raw, []byte(other)) {
			t.Errorf("a secret landed in %s", f)
		}
	}
}

func TestAppendValidates(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "journal.db"), Options{})
	for name, e := range map[string]Event{
		"no type":       {Actor: "a"},
		"no actor":      {Type: TypeTurn},
		"invalid json":  {Type: TypeTurn, Actor: "a", Data: json.RawMessage(`{"a":`)},
		"duplicate key": {Type: TypeTurn, Actor: "a", Data: json.RawMessage(`{"a":1,"a":2}`)},
	} {
		if _, err := j.Append(context.Background(), e); err == nil {
			t.Errorf("%s: append succeeded, want an error", name)
		}
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

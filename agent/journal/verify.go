package journal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Reasons Verify gives for a broken event.
const (
	ReasonHashMismatch     = "hash mismatch"
	ReasonPrevHashMismatch = "prev_hash mismatch"
	ReasonSeqGap           = "seq gap"
	ReasonMalformed        = "malformed event"
)

// VerifyResult is the outcome of recomputing the chain.
type VerifyResult struct {
	OK          bool    `json:"ok"`
	Count       int     `json:"count"`     // events that verified, oldest first
	HeadSeq     int64   `json:"head_seq"`  // last verified event
	HeadHash    string  `json:"head_hash"` // record it elsewhere to detect a full rewrite
	FirstBroken *Broken `json:"first_broken,omitempty"`
}

// Broken names the first event where the chain no longer holds.
type Broken struct {
	Seq    int64     `json:"seq"`
	Type   string    `json:"type"`
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"` // one of the Reason* constants
	Detail string    `json:"detail"`
}

// hashEvent is the event hash: hex(sha256(Canonical(object))) where the
// object has exactly the keys actor, data, prev_hash, seq, subject, time
// (the stored fixed-width UTC text) and type. The first event's prev_hash
// is the empty string.
func hashEvent(seq int64, timeText, typ, actor, subject string, data json.RawMessage, prevHash string) (string, error) {
	doc, err := json.Marshal(struct {
		Seq      int64           `json:"seq"`
		Time     string          `json:"time"`
		Type     string          `json:"type"`
		Actor    string          `json:"actor"`
		Subject  string          `json:"subject"`
		Data     json.RawMessage `json:"data"`
		PrevHash string          `json:"prev_hash"`
	}{seq, timeText, typ, actor, subject, data, prevHash})
	if err != nil {
		return "", fmt.Errorf("encode event for hashing: %w", err)
	}
	c, err := Canonical(doc)
	if err != nil {
		return "", fmt.Errorf("encode event for hashing: %w", err)
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:]), nil
}

// Verify recomputes the chain from the first event and stops at the first
// event that does not fit: its stored hash differs from the recomputed one,
// its prev_hash differs from the previous event's hash, or its seq is not the
// previous seq plus one (the first event must be seq 1).
func (j *Journal) Verify(ctx context.Context) (VerifyResult, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT seq, time, type, actor, subject, data, prev_hash, hash FROM events ORDER BY seq`)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify journal: %w", err)
	}
	defer rows.Close()

	res := VerifyResult{OK: true}
	var prevSeq int64
	prevHash := ""
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return VerifyResult{}, fmt.Errorf("verify journal: read event: %w", err)
		}
		if b := checkRow(r, prevSeq, prevHash); b != nil {
			res.OK = false
			res.FirstBroken = b
			return res, nil
		}
		prevSeq, prevHash = r.seq, r.hash
		res.Count++
		res.HeadSeq, res.HeadHash = r.seq, r.hash
	}
	if err := rows.Err(); err != nil {
		return VerifyResult{}, fmt.Errorf("verify journal: %w", err)
	}
	return res, nil
}

func checkRow(r row, prevSeq int64, prevHash string) *Broken {
	b := &Broken{Seq: r.seq, Type: r.typ}
	t, err := time.Parse(timeLayout, r.time)
	if err != nil {
		b.Reason, b.Detail = ReasonMalformed, "the stored time is not in the journal's format"
		return b
	}
	b.Time = t
	if !json.Valid([]byte(r.data)) {
		b.Reason, b.Detail = ReasonMalformed, "the stored data is not valid JSON"
		return b
	}
	want, err := hashEvent(r.seq, r.time, r.typ, r.actor, r.subject, json.RawMessage(r.data), r.prevHash)
	if err != nil {
		b.Reason, b.Detail = ReasonMalformed, err.Error()
		return b
	}
	switch {
	case want != r.hash:
		b.Reason, b.Detail = ReasonHashMismatch, "the event's content does not match its stored hash"
	case r.seq != prevSeq+1:
		b.Reason, b.Detail = ReasonSeqGap, fmt.Sprintf("expected seq %d after %d, found %d", prevSeq+1, prevSeq, r.seq)
	case r.prevHash != prevHash:
		b.Reason, b.Detail = ReasonPrevHashMismatch, fmt.Sprintf("prev_hash does not match the hash of event %d", prevSeq)
	default:
		return nil
	}
	return b
}

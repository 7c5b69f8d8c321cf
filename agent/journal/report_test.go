package journal

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReportFollowsAProposalsLife(t *testing.T) {
	ctx := context.Background()
	j := openTest(t, filepath.Join(t.TempDir(), "journal.db"), Options{})
	add := func(typ, actor, subject, data string) Event {
		e, err := j.Append(ctx, Event{Type: typ, Actor: actor, Subject: subject, Data: json.RawMessage(data)})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	add(TypeTurn, "alice", "conv-1", `{"text":"block the bad bot"}`)
	first := add(TypeProposal, "agent", "p-1", `{"title":"Block | bot\u001b[2J","asked":"block the bad bot","created_by":"alice","effect":"write","risk":"medium","changes":[{"kind":"firewall.create","zone":"example.com","target":"new","after":{"action":"block","expression":"ip.src eq 203.0.113.9"}}]}`)
	add(TypePolicy, "driftdeck", "p-1", `{"phase":"propose","decision":"require_approvals","approvals_required":2,"reasons":["bulk change"]}`)
	add(TypeReview, "reviewer", "p-1", `{"risk":"medium","concerns":["may block partners"]}`)
	add(TypeApproval, "alice", "p-1", `{}`)
	add(TypeApproval, "bob", "p-1", `{"by":"bob@example.com"}`)
	add(TypePolicy, "driftdeck", "p-1", `{"phase":"execute","decision":"require_approvals","approvals_required":2}`)
	add(TypeExecutionStarted, "bob", "p-1", `{}`)
	add(TypeExecutionResult, "driftdeck", "p-1", `{"status":"applied","result":{"target":"r-9"}}`)
	add(TypeProposal, "agent", "p-2", `{"title":"Delete everything"}`)
	last := add(TypeRejection, "carol", "p-2", `{"reason":"injected"}`)

	rep, err := j.Report(ctx, first.Time, last.Time.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Chain.OK || rep.Chain.Count != 11 {
		t.Fatalf("chain = %+v", rep.Chain)
	}
	if len(rep.Proposals) != 2 {
		t.Fatalf("%d proposals, want 2", len(rep.Proposals))
	}
	p := rep.Proposals[0]
	if p.ID != "p-1" || p.Asked != "block the bad bot" || p.Outcome != "applied" || len(p.Policy) != 2 ||
		len(p.Approvals) != 2 || p.Approvals[0].By != "alice" || p.Approvals[1].By != "bob@example.com" ||
		p.Execution == nil || p.Execution.Status != "applied" || p.Review == nil || len(p.Changes) == 0 {
		t.Fatalf("proposal record = %+v", p)
	}
	if r := rep.Proposals[1]; r.Outcome != "rejected" || r.Rejection == nil || r.Rejection.By != "carol" || r.Rejection.Reason != "injected" {
		t.Fatalf("rejected record = %+v", r)
	}

	md := rep.Markdown()
	for _, want := range []string{"intact, 11 events", `Block \| bot\\u{001B}`, "bob@example.com", `require\_approvals (2)`, "\"firewall.create\""} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.ContainsRune(md, 0x1b) {
		t.Error("markdown carries a raw escape character")
	}
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js, &back); err != nil || len(back.Proposals) != 2 {
		t.Fatalf("report JSON does not round-trip: %v", err)
	}

	// A period after everything holds no proposals.
	empty, err := j.Report(ctx, last.Time.Add(time.Hour), last.Time.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.Proposals) != 0 || !strings.Contains(empty.Markdown(), "No proposals") {
		t.Fatalf("empty period report = %+v", empty)
	}
}

func TestReportShowsBrokenChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openTest(t, path, Options{})
	appendN(t, j, 3)
	db := rawDB(t, path)
	mustExec(t, db, `DROP TRIGGER events_append_only_update`)
	mustExec(t, db, `UPDATE events SET actor = 'mallory' WHERE seq = 2`)
	rep, err := j.Report(context.Background(), time.Time{}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if md := rep.Markdown(); !strings.Contains(md, "**BROKEN** at seq 2") {
		t.Fatalf("markdown does not flag the broken chain:\n%s", md)
	}
}

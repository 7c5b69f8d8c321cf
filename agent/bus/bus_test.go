package bus

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

func TestMustDeliverIsNeverDroppedAndStatesCoalesce(t *testing.T) {
	b := New()
	s := b.Subscribe()
	for i := 0; i < 1000; i++ {
		b.Publish(Event{Topic: "budget", Key: "acct", Payload: i})
		if i%10 == 0 {
			b.Publish(Event{Topic: "proposal", MustDeliver: true, Payload: i})
		}
	}
	ctx := context.Background()
	var approvals, budgets int
	last := -1
	for s.Pending() > 0 {
		e, ok := s.Next(ctx)
		if !ok {
			t.Fatal("closed")
		}
		switch e.Topic {
		case "proposal":
			approvals++
		case "budget":
			budgets++
			last = e.Payload.(int)
		}
	}
	if approvals != 100 {
		t.Fatalf("must-deliver events: got %d of 100", approvals)
	}
	if budgets != 1 || last != 999 {
		t.Fatalf("budget states: %d delivered, last %d; want 1 delivered holding 999", budgets, last)
	}
}

func TestTopicsFilterAndCloseUnblocks(t *testing.T) {
	b := New()
	s := b.Subscribe("drift")
	b.Publish(Event{Topic: "anomaly"})
	b.Publish(Event{Topic: "drift", Key: "example.com"})
	e, _ := s.Next(context.Background())
	if e.Topic != "drift" || s.Pending() != 0 {
		t.Fatalf("got %+v, pending %d", e, s.Pending())
	}
	done := make(chan bool)
	go func() { _, ok := s.Next(context.Background()); done <- ok }()
	s.Close()
	if ok := <-done; ok {
		t.Fatal("Next returned an event after Close")
	}
}

func TestConcurrentPublishersKeepEveryMustDeliver(t *testing.T) {
	b := New()
	s := b.Subscribe()
	var wg sync.WaitGroup
	for p := 0; p < 8; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				b.Publish(Event{Topic: "approval", MustDeliver: true, Key: fmt.Sprint(p, i)})
			}
		}()
	}
	wg.Wait()
	if n := s.Pending(); n != 1600 {
		t.Fatalf("pending %d, want 1600", n)
	}
}

package bastion

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/journal"
)

const testSecret = "s3cret-from-the-destination"

func newTestWebhook(t *testing.T) (http.Handler, *journal.Journal, *bus.Subscription) {
	t.Helper()
	j, err := journal.Open(context.Background(), filepath.Join(t.TempDir(), "journal.db"), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	b := bus.New()
	sub := b.Subscribe(TopicAlert)
	h, err := NewWebhook(WebhookOptions{Secret: testSecret, Journal: j, Bus: b})
	if err != nil {
		t.Fatal(err)
	}
	return h, j, sub
}

func post(h http.Handler, secret, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	if secret != "" {
		r.Header.Set("cf-webhook-auth", secret)
	}
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func webhookEvents(t *testing.T, j *journal.Journal) []journal.Event {
	t.Helper()
	evs, err := j.Events(context.Background(), journal.Filter{Types: []string{"webhook"}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

const notification = `{"name":"Origin errors \u001b]0;pwned\u0007","text":"5xx above 5% on example.com","data":{"zone":"example.com"},"ts":1767225600,"alert_type":"http_alert_origin_error","alert_correlation_id":"c0ffee"}`

func TestWebhookWithSecretIsJournaledAndPublished(t *testing.T) {
	h, j, sub := newTestWebhook(t)
	w := post(h, testSecret, "application/json; charset=utf-8", notification)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	evs := webhookEvents(t, j)
	if len(evs) != 1 || evs[0].Actor != "cloudflare-webhook" || evs[0].Subject != "c0ffee" || !strings.Contains(string(evs[0].Data), "http_alert_origin_error") {
		t.Fatalf("journal holds %+v", evs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ev, ok := sub.Next(ctx)
	if !ok {
		t.Fatal("no alert was published")
	}
	a, ok := ev.Payload.(Alert)
	if !ok || a.ID == "" || a.Text != "5xx above 5% on example.com" || !a.Time.Equal(time.Unix(1767225600, 0)) {
		t.Fatalf("published %#v", ev.Payload)
	}
	if strings.ContainsAny(a.Name, "\x1b\x07") || !strings.HasPrefix(a.Name, "Origin errors") {
		t.Fatalf("the alert name is not sanitized: %q", a.Name)
	}
	if !strings.Contains(w.Body.String(), a.ID) {
		t.Fatalf("the response %q does not name %s", w.Body, a.ID)
	}
}

func TestWebhookRefusesWithoutTheSecret(t *testing.T) {
	h, j, sub := newTestWebhook(t)
	for _, secret := range []string{"", "wrong", testSecret + "x", testSecret[:5]} {
		if w := post(h, secret, "application/json", notification); w.Code != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d, want 401", secret, w.Code)
		}
	}
	if evs := webhookEvents(t, j); len(evs) != 0 {
		t.Fatalf("an unauthenticated webhook was journaled: %+v", evs)
	}
	if sub.Pending() != 0 {
		t.Fatal("an unauthenticated webhook was published")
	}
}

func TestWebhookRefusesOversizedAndNonJSON(t *testing.T) {
	h, j, _ := newTestWebhook(t)
	big := `{"name":"x","text":"` + strings.Repeat("a", MaxWebhookBody) + `"}`
	if w := post(h, testSecret, "application/json", big); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: status %d, want 413", w.Code)
	}
	if w := post(h, testSecret, "text/plain", notification); w.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain: status %d, want 415", w.Code)
	}
	for _, body := range []string{`not json`, `[1,2]`, `{"name":"x"} {"name":"y"}`, `{}`} {
		if w := post(h, testSecret, "application/json", body); w.Code != http.StatusBadRequest {
			t.Fatalf("body %q: status %d, want 400", body, w.Code)
		}
	}
	if evs := webhookEvents(t, j); len(evs) != 0 {
		t.Fatalf("a refused webhook was journaled: %+v", evs)
	}
}

func TestWebhookNeedsASecret(t *testing.T) {
	if _, err := NewWebhook(WebhookOptions{Secret: " ", Journal: nil, Bus: bus.New()}); err == nil {
		t.Fatal("a webhook receiver without a secret was built")
	}
}

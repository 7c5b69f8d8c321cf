package bastion

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/driftdeck/driftdeck/ui"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/driftdeck/driftdeck/agent/bus"
	"github.com/driftdeck/driftdeck/agent/journal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// TopicAlert carries an Alert: a Cloudflare notification received by the
// webhook receiver.
const TopicAlert = "alert"

// MaxWebhookBody bounds a webhook request body.
const MaxWebhookBody = 1 << 20

// Alert is a received notification, its text fields already sanitized for
// a terminal.
type Alert = ui.Alert

// Journal is where received webhooks are recorded (*journal.Journal).
type Journal interface {
	Append(ctx context.Context, e journal.Event) (journal.Event, error)
}

// Publisher is where alerts are announced (*bus.Bus).
type Publisher interface {
	Publish(e bus.Event)
}

// WebhookOptions configure the receiver.
type WebhookOptions struct {
	Secret  string // the webhook destination's secret, sent as cf-webhook-auth
	Journal Journal
	Bus     Publisher
	Now     func() time.Time
	Log     io.Writer // one line per request; never the secret
}

// cloudflareNotification is Cloudflare's generic webhook payload.
type cloudflareNotification struct {
	Name          string          `json:"name"`
	Text          string          `json:"text"`
	Data          json.RawMessage `json:"data"`
	TS            int64           `json:"ts"`
	AccountID     string          `json:"account_id"`
	PolicyID      string          `json:"policy_id"`
	PolicyName    string          `json:"policy_name"`
	AlertType     string          `json:"alert_type"`
	CorrelationID string          `json:"alert_correlation_id"`
	AlertEvent    string          `json:"alert_event"`
}

type webhook struct {
	secret [32]byte // sha256 of the secret: constant-time compare of equal lengths
	o      WebhookOptions
}

// NewWebhook returns the receiver: POST /webhook with a JSON body and the
// cf-webhook-auth header; the notification is journaled (type "webhook")
// and published on the bus as TopicAlert.
func NewWebhook(o WebhookOptions) (http.Handler, error) {
	if strings.TrimSpace(o.Secret) == "" {
		return nil, errors.New("the webhook secret is empty")
	}
	if o.Journal == nil || o.Bus == nil {
		return nil, errors.New("the webhook receiver needs a journal and a bus")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	w := &webhook{secret: sha256.Sum256([]byte(o.Secret)), o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", w.receive)
	return mux, nil
}

func (h *webhook) authorized(r *http.Request) bool {
	got := sha256.Sum256([]byte(r.Header.Get("cf-webhook-auth")))
	return r.Header.Get("cf-webhook-auth") != "" && subtle.ConstantTimeCompare(got[:], h.secret[:]) == 1
}

func (h *webhook) fail(w http.ResponseWriter, r *http.Request, code int, why string) {
	fmt.Fprintf(h.o.Log, "driftdeck serve: webhook from %s refused (%d): %s\n", r.RemoteAddr, code, why)
	http.Error(w, why, code)
}

func (h *webhook) receive(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r) {
		h.fail(w, r, http.StatusUnauthorized, "missing or wrong cf-webhook-auth header")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		h.fail(w, r, http.StatusUnsupportedMediaType, "the body must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxWebhookBody))
			return
		}
		h.fail(w, r, http.StatusBadRequest, "could not read the body")
		return
	}
	var n cloudflareNotification
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&n); err != nil || dec.More() || !json.Valid(body) || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		h.fail(w, r, http.StatusBadRequest, "the body is not a JSON object")
		return
	}
	if n.Name == "" && n.Text == "" {
		h.fail(w, r, http.StatusBadRequest, "the notification has neither name nor text")
		return
	}
	at := h.o.Now().UTC()
	if n.TS > 0 {
		at = time.Unix(n.TS, 0).UTC()
	}
	// The journal keeps the payload exactly (it is evidence); only what a
	// terminal shows is sanitized.
	ev, err := h.o.Journal.Append(r.Context(), journal.Event{Type: "webhook", Actor: "cloudflare-webhook", Subject: n.CorrelationID, Data: body})
	if err != nil {
		fmt.Fprintf(h.o.Log, "driftdeck serve: webhook from %s not recorded: %v\n", r.RemoteAddr, err)
		http.Error(w, "the notification could not be recorded", http.StatusInternalServerError)
		return
	}
	alert := Alert{ID: fmt.Sprintf("alert-%d", ev.Seq), Name: sanitize.Line(n.Name), Text: sanitize.Text(n.Text), Time: at}
	h.o.Bus.Publish(bus.Event{Topic: TopicAlert, Key: alert.ID, MustDeliver: true, Payload: alert})
	fmt.Fprintf(h.o.Log, "driftdeck serve: webhook from %s recorded as %s (alert type %q)\n", r.RemoteAddr, alert.ID, sanitize.Line(n.AlertType))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": alert.ID})
}

// ServeWebhook serves h on ln until ctx ends, then shuts down gracefully.
func ServeWebhook(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve webhooks: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	<-errc
	return nil
}

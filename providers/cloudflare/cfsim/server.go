package cfsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a simulator.
type Options struct {
	Speed float64   // simulated time runs Speed times faster than wall time; 0 means 1
	Start time.Time // simulated time at start; zero means time.Now()
	Clock Clock     // optional; nil = wall clock scaled by Speed
	Seed  int64     // traffic noise seed; 0 means the scenario's seed

	rateLimit  int           // requests per window per token; 0 means 1200
	rateWindow time.Duration // 0 means 5 minutes
	tickEvery  time.Duration // how often the background loop fires due events; 0 means 200ms
}

// Token is an API token of the scenario.
type Token struct {
	Name   string   `json:"name"`
	Value  string   `json:"value"`
	Scopes []string `json:"scopes"`
	Zones  []string `json:"zones,omitempty"`
}

// Server is a running simulator: state, clock, scheduled events, faults and
// the HTTP API over them.
type Server struct {
	mu      sync.Mutex
	sc      *Scenario
	st      *state
	clock   Clock
	manual  *ManualClock
	start   time.Time
	seed    int64
	fired   []bool
	evLog   []eventResult
	faults  []*faultRule
	stats   map[string]map[string]int
	limiter *rateLimiter
	routes  []routeDef
	panics  atomic.Int64

	tick   time.Duration
	ln     net.Listener
	srv    *http.Server
	base   string
	cancel context.CancelFunc
	done   chan struct{}
}

// eventResult records what a scheduled event did, for /__sim/state.
type eventResult struct {
	Index int       `json:"index"`
	At    time.Time `json:"at"`
	Type  string    `json:"type"`
	Error string    `json:"error,omitempty"`
}

// New builds a simulator for a scenario and starts its event loop. It does
// not listen: use Start, or mount Handler yourself.
func New(sc *Scenario, opts Options) (*Server, error) {
	if sc == nil {
		return nil, errors.New("new simulator: the scenario is nil")
	}
	clock := opts.Clock
	start := opts.Start
	if clock != nil {
		start = clock.Now()
	} else {
		if start.IsZero() {
			start = time.Now()
		}
		speed := opts.Speed
		if speed <= 0 {
			speed = 1
		}
		clock = scaledClock{start: start, wallStart: time.Now(), speed: speed}
	}
	scCopy := *sc
	if opts.Seed != 0 {
		scCopy.Seed = opts.Seed
	}
	if scCopy.startsAt == nil {
		if err := validateScenario(&scCopy); err != nil {
			return nil, fmt.Errorf("new simulator: %w", err)
		}
	}
	st, err := buildState(&scCopy, start)
	if err != nil {
		return nil, fmt.Errorf("new simulator: %w", err)
	}
	s := &Server{sc: &scCopy, st: st, clock: clock, start: start, seed: scCopy.Seed, fired: make([]bool, len(sc.Events)),
		stats: map[string]map[string]int{}, tick: opts.tickEvery, done: make(chan struct{})}
	s.manual, _ = opts.Clock.(*ManualClock)
	s.limiter = newRateLimiter(opts.rateLimit, opts.rateWindow)
	s.routes = s.apiRoutes()
	if s.tick <= 0 {
		s.tick = 200 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.loop(ctx)
	return s, nil
}

// loop fires due events even when nobody calls the API.
func (s *Server) loop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			s.fireDueLocked()
			s.mu.Unlock()
		}
	}
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("start simulator on %s: %w", addr, err)
	}
	s.mu.Lock()
	s.ln = ln
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srv := s.srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// BaseURL is the API base, e.g. "http://127.0.0.1:PORT/client/v4"; empty
// before Start.
func (s *Server) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.base == "" {
		return ""
	}
	return s.base + "/client/v4"
}

// ControlURL is the control API base, e.g. "http://127.0.0.1:PORT/__sim".
func (s *Server) ControlURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.base == "" {
		return ""
	}
	return s.base + "/__sim"
}

// AccountID is the scenario account's id.
func (s *Server) AccountID() string { return s.st.account.ID }

// Tokens lists the scenario's API tokens with their values.
func (s *Server) Tokens() []Token {
	out := make([]Token, 0, len(s.st.tokens))
	for _, t := range s.st.tokens {
		out = append(out, Token{Name: t.Name, Value: t.Value, Scopes: append([]string(nil), t.Scopes...), Zones: append([]string(nil), t.Zones...)})
	}
	return out
}

// Token returns the value of the scenario's token called name, or "" when
// there is none.
func (s *Server) Token(name string) string {
	for _, t := range s.st.tokens {
		if t.Name == name {
			return t.Value
		}
	}
	return ""
}

// Now is the simulated time; reading it also fires events that are due.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDueLocked()
	return s.clock.Now()
}

// Close stops serving and the event loop.
func (s *Server) Close() error {
	s.cancel()
	<-s.done
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("close simulator: %w", err)
	}
	return nil
}

// fireDueLocked applies scheduled events whose time has come, in order.
func (s *Server) fireDueLocked() {
	now := s.clock.Now()
	for i, ev := range s.sc.Events {
		at := s.start.Add(s.sc.startsAt[i])
		if s.fired[i] || at.After(now) {
			continue
		}
		s.fired[i] = true
		res := eventResult{Index: i, At: at, Type: ev.Type}
		switch ev.Type {
		case "traffic":
			inj, err := ev.Traffic.injection(at, nil)
			if err != nil {
				res.Error = err.Error()
			} else {
				s.st.injects = append(s.st.injects, inj)
			}
		case "mutate":
			ch, err := ev.change()
			if err == nil {
				_, apiErr := s.st.applyChange(ch, actor{Email: ev.Actor, At: at})
				if apiErr != nil {
					err = apiErr
				}
			}
			if err != nil {
				res.Error = err.Error()
			}
		}
		s.evLog = append(s.evLog, res)
	}
}

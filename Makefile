# driftdeck — make run (the sandbox), make test (everything CI runs).
SHELL := /bin/bash
GO ?= go
BIN := bin/driftdeck
SHARED ?= $(abspath ../shared)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# The real Ollama server for integration tests, built once and cached
# (4-15 minutes the first time on 2 cores).
OLLAMA_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ollama-server
OLLAMA_BIN := $(OLLAMA_CACHE)/ollama-0.17.4

.PHONY: build run test test-short bench lint fuzz ollama-server clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/driftdeck

# The console in sandbox mode: an embedded simulator with a scripted incident.
# Chat needs Ollama (the console says how to start it); everything else works without.
run: build
	env -u CLOUDFLARE_API_TOKEN -u CLOUDFLARE_API_BASE_URL ./$(BIN) --sandbox

ollama-server: $(OLLAMA_BIN)

$(OLLAMA_BIN):
	bash $(SHARED)/tools/ollama-server/build.sh $(OLLAMA_CACHE)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# test runs every package's tests, including those against the real Ollama
# server (DRIFTDECK_REQUIRE_OLLAMA makes them fail rather than skip).
test: lint ollama-server
	DRIFTDECK_REQUIRE_OLLAMA=1 DRIFTDECK_OLLAMA_BIN=$(OLLAMA_BIN) DRIFTDECK_SHARED_DIR=$(SHARED) \
		$(GO) test -count=1 ./...

# test-short skips nothing but the real-Ollama build requirement: handy while iterating.
test-short:
	$(GO) test ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzRequestDecoding -fuzztime 20s ./providers/cloudflare/cfsim/

bench: build
	@echo "== Anomaly detector on NAB's development split (tuned and fixed threshold)"
	bash scripts/nab/run.sh
	@echo "== Anomaly detector throughput (one core)"
	GOMAXPROCS=1 $(GO) test -run '^$$' -bench 'BenchmarkObserve' -benchtime 2s ./agent/anomaly/
	@echo "== Drift diff: 100,000 records (goal <= 100 ms, <= 100 MB)"
	$(GO) test -run '^$$' -bench 'BenchmarkCompare100k' -benchtime 10x ./agent/drift/
	@echo "== Watchers on the simulator: detection latency and API calls per minute (~70 s)"
	$(GO) test -run '^$$' -bench 'BenchmarkWatchers' -benchtime 1x ./agent/watch/
	@echo "== Console: View() p99 at 200x50 with 10k transcript lines and 1,000 cards (goal <= 10 ms); streaming cost vs transcript length"
	$(GO) test -run '^$$' -bench 'BenchmarkView|BenchmarkStreaming' -benchtime 200x ./ui/
	@echo "== Console: bytes written per second while idle (goal 0); cold start to first frame (goal <= 300 ms)"
	$(GO) test -run '^$$' -bench 'BenchmarkIdleBytes' -benchtime 1x ./ui/
	$(GO) test -run '^$$' -bench 'BenchmarkColdStart' -benchtime 5x ./cmd/driftdeck/
	@echo "== Cloudflare snapshot: 10 zones x 5,000 records against the simulator"
	$(GO) test -run '^$$' -bench 'BenchmarkSnapshot' -benchtime 3x ./providers/cloudflare/

clean:
	rm -rf bin

# Sentry AI — build, run and test. `make help` lists the targets.
#
# One program, two builds (see docs/DESKTOP.md):
#   bin/sentry          headless: `sentry serve`, the CLI. Plain `go build`, no webview libraries.
#   bin/sentry-desktop  the desktop app: Wails v2 on WebKitGTK 4.0, tags below.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO           ?= go
DESKTOP_TAGS := desktop,production,webkit2_40
# The race detector works with modernc.org/sqlite (measured: ~10x slower on
# SQLite-heavy tests, no false reports). `make test RACE=` turns it off.
RACE         ?= -race
# Per test binary; the HTTP package runs many real-server suites, which
# under the race detector on two busy cores outlast go test's 10 minutes.
TESTTIMEOUT  ?= 45m
GOTESTFLAGS  ?=
BENCH        ?= .
SERVE_ARGS   ?=

BIN         := bin/sentry
DESKTOP_BIN := bin/sentry-desktop

.PHONY: help bootstrap run build build-desktop frontend serve test test-go test-postgres test-blobs test-frontend lint-openapi e2e desktop-smoke release release-check vet bench clean

help: ## list targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

bootstrap: ## install system packages, libvosk (cache) and node_modules (idempotent)
	@scripts/bootstrap

frontend: ## build the web UI into frontend/dist
	@test -f frontend/package.json || { echo "make: frontend/package.json not found" >&2; exit 1; }
	@SENTRY_BOOTSTRAP_SKIP_APT=1 SENTRY_BOOTSTRAP_SKIP_VOSK=1 SENTRY_BOOTSTRAP_SKIP_S3=1 scripts/bootstrap
	cd frontend && npm run build

# Speech recognition is linked in when libvosk is in its cache (scripts/bootstrap
# fetches it; it is optional); without it the binaries build and say what to
# install. Sets vtag to ",vosk" and exports the cgo flags, or leaves vtag empty.
VOSK_ENV = if [ -x scripts/install-vosk ] && out=$$(scripts/install-vosk --cached 2>/dev/null); then eval "$$out"; vtag=,vosk; \
  else vtag=; echo "make: libvosk is not installed, so speech recognition is left out (scripts/install-vosk fetches it)" >&2; fi

build: ## headless binary bin/sentry (embeds frontend/dist as it is now; speech when libvosk is installed)
	@$(VOSK_ENV); echo "$(GO) build -tags \"$${vtag#,}\" -o $(BIN) ."; $(GO) build -tags "$${vtag#,}" -o $(BIN) .

build-desktop: ## desktop binary bin/sentry-desktop (run `make frontend` first)
	@test -f frontend/dist/index.html || { echo "make: frontend/dist/index.html missing: run 'make frontend' first" >&2; exit 1; }
	@$(VOSK_ENV); echo "$(GO) build -tags $(DESKTOP_TAGS)$$vtag -o $(DESKTOP_BIN) ."; $(GO) build -tags $(DESKTOP_TAGS)$$vtag -o $(DESKTOP_BIN) .

run: bootstrap frontend build-desktop ## build and start the desktop app
	@if [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "make run: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the desktop window cannot open." >&2; \
	  echo "  Built $(DESKTOP_BIN) anyway. Without a display, run the server instead:" >&2; \
	  echo "    make serve          (or: make build && $(BIN) serve)" >&2; \
	  echo "  and open the address it prints in a browser. To try the window headless: scripts/desktop-smoke" >&2; \
	else \
	  ./$(DESKTOP_BIN); \
	fi

serve: frontend build ## build and run the headless server (bin/sentry serve)
	./$(BIN) serve $(SERVE_ARGS)

vet: ## go vet, headless and desktop builds
	$(GO) vet ./...
	$(GO) vet -tags $(DESKTOP_TAGS) .

test-go: ## go vet + go test (RACE=-race by default), and the vosk adapter against the real libvosk
	$(MAKE) --no-print-directory vet
	$(GO) test $(RACE) -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) ./...
	@# The sync simulator's 1,000 schedules, its kill mode's 12 (devices and
	@# server as processes, SIGKILLed) and its broken builds run without the
	@# race detector (under it, ./... ran 15 schedules and 1 short kill one).
	$(if $(RACE),$(GO) test -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) ./sync/simtest/)
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-blobs
	@# The desktop keeps its team-server refresh token in the OS keyring:
	@# test that against a real Secret Service in a private D-Bus session.
	@# A throw-away keyring home: the login keyring is created afresh, unlocked.
	kr=$$(mktemp -d); XDG_DATA_HOME=$$kr dbus-run-session -- sh -c 'printf "ci-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; \
	  SENTRY_KEYRING_TEST=1 $(GO) test -count=1 -run Keyring ./sync/remote/ ./backend/app/'; rc=$$?; rm -rf $$kr; exit $$rc
	@$(VOSK_ENV); if [ -n "$$vtag" ] && [ -d backend/vosk ]; then \
	  echo "$(GO) test $(RACE) -count=1 -tags vosk ./backend/vosk/"; \
	  $(GO) test $(RACE) -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) -tags vosk ./backend/vosk/; \
	else \
	  echo "make: skipping the vosk-tagged tests of backend/vosk: libvosk is not installed"; \
	fi

test-postgres: ## the Postgres store, the conformance suite and the HTTP contract tests against a throw-away PostgreSQL (scripts/with-postgres)
	scripts/with-postgres $(GO) test $(RACE) -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) ./backend/postgres/
	@# The HTTP contract tests again on a PostgreSQL-backed server (each test
	@# in a schema of its own), without -race: ~2 minutes on 2 cores.
	scripts/with-postgres env SENTRY_TEST_STORE=postgres $(GO) test -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) ./backend/httpapi/
	@# The sync simulator with its server on PostgreSQL: 50 schedules, a
	@# database copied from a template for each (~2 minutes on 2 busy cores),
	@# and 5 of the kill mode's with the server process on PostgreSQL (~40 s).
	scripts/with-postgres env SIMTEST_STORE=postgres SIMTEST_SCHEDULES=50 SIMTEST_KILL_SCHEDULES=5 $(GO) test -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) -run 'TestConvergence|TestKillConvergence' ./sync/simtest/
	@# Two instances on one database (tokens, jobs, a lost database), River's
	@# queue, and the command-line sync and kill -9 tests against a team
	@# server on PostgreSQL (~2 minutes).
	scripts/with-postgres $(GO) test -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) ./backend/app/ ./backend/jobs/pgjobs/
	scripts/with-postgres $(GO) test -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) -run 'TestSync|TestKillNineOfOneInstance' .

test-blobs: ## the S3-compatible blob store's conformance suite, and two servers sharing one blobs store and one PostgreSQL (scripts/with-s3, scripts/with-postgres)
	scripts/with-s3 scripts/with-postgres $(GO) test $(RACE) -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) ./backend/s3blob/ ./backend/upload/
	scripts/with-s3 scripts/with-postgres $(GO) test -count=1 -timeout $(TESTTIMEOUT) $(GOTESTFLAGS) -run 'AcrossInstances|BlobStoreLost' ./backend/httpapi/

test-frontend: ## frontend unit tests
	cd frontend && npm test

lint-openapi: build ## lint the API's OpenAPI document with the linter's recommended rules (errors fail)
	@mkdir -p test-results
	./$(BIN) openapi > test-results/openapi.json
	cd frontend && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --no-install redocly lint ../test-results/openapi.json --format=summary

e2e: build ## browser end-to-end tests against bin/sentry serve (and the integration stand-ins, and the desktop's backend)
	$(GO) build -o bin/sentry-standins ./backend/integrations/integrationstest/standins
	$(GO) build -o bin/sentry-desktop-web ./backend/app/desktopweb
	cd frontend && SENTRY_BIN=$(CURDIR)/$(BIN) SENTRY_STANDINS_BIN=$(CURDIR)/bin/sentry-standins SENTRY_DESKTOP_WEB_BIN=$(CURDIR)/bin/sentry-desktop-web npm run e2e

desktop-smoke: build-desktop ## start the desktop app under Xvfb: window, Tasks screen, RSS, clean exit
	SENTRY_DESKTOP_BIN=$(CURDIR)/$(DESKTOP_BIN) scripts/desktop-smoke

test: ## everything CI runs: bootstrap, build, Go, frontend, e2e, desktop smoke, release packages
	@start=$$(date +%s); \
	step() { local s=$$(date +%s); echo "==> $$*"; "$$@"; echo "<== $$* ($$(( $$(date +%s) - s ))s)"; }; \
	step scripts/bootstrap; \
	step $(MAKE) --no-print-directory frontend; \
	step $(MAKE) --no-print-directory build build-desktop; \
	step $(MAKE) --no-print-directory test-go; \
	step $(MAKE) --no-print-directory test-frontend; \
	step $(MAKE) --no-print-directory lint-openapi; \
	step $(MAKE) --no-print-directory e2e; \
	step $(MAKE) --no-print-directory desktop-smoke; \
	step $(MAKE) --no-print-directory release-check; \
	echo "make test: all passed in $$(( $$(date +%s) - start ))s"

# Release packages for Linux amd64 (see README, "Install"): VERSION=1.2.0 names
# and stamps the version (default: the latest v* tag, else a 0.1.0~git snapshot).
release: frontend ## packages into bin/release: desktop .deb/.rpm, server .deb/.tar.gz, CHANGELOG.md, SHA256SUMS
	@scripts/install-vosk >/dev/null
	scripts/release

release-check: ## lintian, then install/upgrade/downgrade/remove the packages in a clean Debian 12 root (root; uses frontend/dist)
	@scripts/install-vosk >/dev/null
	scripts/release-check

bench: ## Go benchmarks (BENCH=regexp)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(GOTESTFLAGS) ./...

clean: ## remove build outputs (keeps node_modules)
	rm -rf bin test-results
	@if [ -d frontend/dist ]; then find frontend/dist -mindepth 1 ! -name .gitkeep -delete; fi

# Sluice build. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/sluice-ot/sluice/cmd/sluice/cli.Version=$(VERSION) -X github.com/sluice-ot/sluice/guard/cli.Version=$(VERSION) -X main.Version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEMO := build/demo
TEST_TIMEOUT ?= 45m

.DEFAULT_GOAL := help
.PHONY: help deps build test check bench demo fuzz clean screenshots

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install the Debian packages the build, tests and demo need (idempotent; as root)
	@packaging/deps.sh

build: deps ## build every binary into bin/
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...
	@# The touchscreen needs fyne's X11 driver (touch through Xwayland in cage);
	@# built without the tag it only says so.
	$(GO) build -tags x11 -ldflags '$(LDFLAGS)' -o $(BIN)/sluice-kiosk ./cmd/sluice-kiosk

test: deps ## run all tests; SLUICE_REQUIRE_INTEGRATION=1 turns integration skips into failures
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

check: deps ## gofmt, go vet, staticcheck, then the tests with the race detector
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt would change:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" at the end of -fuzztime, having found nothing
# (go.dev/issue/75804, fixed in Go 1.27). Such a run counts as passed only
# when it wrote no failing input; any other failure stops the loop.
fuzz: ## run every fuzz target for FUZZTIME each (default 30s)
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    out=$$($(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} $$pkg 2>&1); rc=$$?; \
	    echo "$$out" | tail -3; \
	    if [ $$rc -ne 0 ]; then \
	      if echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
	        echo "   (the Go 1.26 fuzz coordinator's end-of-run race, go.dev/issue/75804: no failing input)"; \
	      else echo "$$out"; exit 1; fi; \
	    fi; \
	  done; \
	done

# build/ holds generated drives, some with .go files in them; its own go.mod
# keeps them out of ./... and go mod tidy.
build/go.mod:
	@mkdir -p build && printf '// Generated demo and benchmark corpora: not part of the sluice module.\nmodule sluice.invalid/build\n' > $@

bench: build build/go.mod ## Go benchmarks, then sluice side by side with yara, sha256sum and cp on a ~1 GB corpus
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./scanner/...
	bench/run.sh

demo: build build/go.mod ## run the station (sluiced) on a generated demo drive; without root, scan the drive folder
	@rm -rf $(DEMO)
	@$(GO) run ./internal/cmd/mkcorpus -kind demo -out $(DEMO)
	@if [ "$$(id -u)" -eq 0 ]; then \
	  demo/station.sh $(BIN) $(DEMO); \
	else \
	  echo "== not root: the station demo needs a loop device and mounts; scanning the drive folder instead"; \
	  demo/folder.sh $(BIN) $(DEMO); \
	fi

screenshots: build build/go.mod ## run sluice-kiosk against a real sluiced under Xvfb; PNGs into docs/screenshots/ (as root)
	@rm -rf build/screens
	@$(GO) run ./internal/cmd/mkcorpus -kind demo -out build/screens >/dev/null
	demo/screenshots.sh $(BIN) build/screens docs/screenshots

clean: ## remove build outputs
	rm -rf $(BIN) build

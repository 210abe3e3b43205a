# minik6 — build, run, test, bench.
GO        ?= go
BIN       := bin/minik6
SHARED    ?= ../shared
EXAMPLE   ?= examples/scripts/hello.js

.PHONY: build run test vet lint fmt-check unit conformance conformance-metrics conformance-users bench clean

build:
	$(GO) build -o $(BIN) ./cmd/minik6

## run: run an example script
run: build
	./$(BIN) run $(EXAMPLE)

## test: formatting, vet, staticcheck, unit tests with the race detector, then the
## conformance suites; every step runs, and one verdict line ends it
TEST_STEPS := fmt-check vet lint unit conformance conformance-metrics conformance-users
test:
	@failed=""; for step in $(TEST_STEPS); do $(MAKE) --no-print-directory $$step || failed="$$failed $$step"; done; \
	if [ -z "$$failed" ]; then echo "make test: PASS ($(TEST_STEPS))"; \
	else echo "make test: FAIL in$$failed"; exit 1; fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# staticcheck (staticcheck.conf says which checks); .ci/run installs it.
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $$HOME/go/bin/staticcheck)
lint:
	$(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 ./...

conformance: build
	$(SHARED)/conformance/run.sh ./$(BIN)

# Every case of the metrics suite.
METRICS_CASES := '*'
conformance-metrics: build
	@set -e; for g in $(METRICS_CASES); do $(SHARED)/conformance-metrics/run.sh ./$(BIN) "$$g"; done

# Every case of the real users' suite.
USERS_CASES := '*'
conformance-users: build
	$(SHARED)/conformance-users/run.sh ./$(BIN) $(USERS_CASES)

## bench: Go benchmarks and whole-binary runs
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	./bench/run.sh ./$(BIN)

clean:
	rm -rf bin

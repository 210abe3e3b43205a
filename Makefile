# minik6 — build, run, test, bench.
GO        ?= go
BIN       := bin/minik6
SHARED    ?= ../shared
EXAMPLE   ?= examples/scripts/hello.js

.PHONY: build run test vet fmt-check unit conformance conformance-metrics conformance-users bench clean

build:
	$(GO) build -o $(BIN) ./cmd/minik6

## run: run an example script
run: build
	./$(BIN) run $(EXAMPLE)

## test: formatting, vet, unit tests with the race detector, then the conformance suites
test: fmt-check vet unit conformance conformance-metrics conformance-users

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

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

# One target per thing people do. `make help` lists them.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
CONFIG  ?= testdata/tenants/demo.yaml
TARGET  ?= embedded
DRIVER  ?= http

.PHONY: help run run-tls run-data test test-short suite rules bench bench-store build vet clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: ## serve the mock IdP with the demo tenant on $(ADDR)
	$(GO) run ./cmd/mockidp serve --addr $(ADDR) --config $(CONFIG)

run-tls: ## the same over HTTPS with a local CA (written to mockidp-ca.pem)
	$(GO) run ./cmd/mockidp serve --addr $(ADDR) --config $(CONFIG) --tls

run-data: ## the demo tenant kept in ./mockidp-data (SQLite): it survives restarts
	$(GO) run ./cmd/mockidp serve --addr $(ADDR) --config $(CONFIG) --data mockidp-data

test: vet ## every Go test, the conformance suite on both drivers, the SDK interop test
	$(GO) test -race -count=1 -timeout 15m ./...

test-short: ## Go tests without the browser run and the Node SDK test
	CONSENTRY_BROWSER=off CONSENTRY_SKIP_NODE_INTEROP=1 $(GO) test -count=1 ./...

suite: ## run the conformance suite: make suite TARGET=file.yaml DRIVER=browser
	$(GO) run ./cmd/consentry run --target $(TARGET) --driver $(DRIVER)

rules: ## list the spec's rules and the scenarios that check them
	$(GO) run ./cmd/consentry rules

bench: ## benchmarks (token endpoint, signing, secrets, passwords, stores)
	$(GO) test -run '^$$' -bench . -benchmem ./...

bench-store: ## token requests/s and Management API writes/s on memory, SQLite and PostgreSQL
	$(GO) test -run '^$$' -bench 'Store' -benchtime 3s ./mockidp/store/sqlstore/

build: ## build bin/mockidp and bin/consentry
	$(GO) build -o bin/ ./cmd/...

vet: ## go vet and a gofmt check
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean: ## remove build output and reports
	rm -rf bin reports

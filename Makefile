# One target per thing people do. `make help` lists them.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
CONFIG  ?= testdata/tenants/demo.yaml
TARGET  ?= embedded
DRIVER  ?= http

.PHONY: help run run-tls test test-short suite rules bench bench-compare build vet clean

help: ## list the targets
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}' \
		| sed -e 's|$$(ADDR)|$(ADDR)|g' -e 's|$$(CONFIG)|$(CONFIG)|g' -e 's|$$(TARGET)|$(TARGET)|g' -e 's|$$(DRIVER)|$(DRIVER)|g'
	@echo "Variables (make run ADDR=127.0.0.1:9090):"
	@echo "  ADDR=$(ADDR)  CONFIG=$(CONFIG)  TARGET=$(TARGET)  DRIVER=$(DRIVER)  GO=$(GO)"

# run builds the binary, then execs it: make's own process is the server's
# parent, so stopping make (Ctrl+C, or kill) stops the server too.
run: ## build bin/mockidp, then serve the demo tenant and the demo app on http://$(ADDR)/
	@echo "make run: compiling bin/mockidp (a cold build compiles every dependency first: up to a minute on 2 cores; packages are listed as they compile)"
	@$(GO) build -v -o bin/mockidp ./cmd/mockidp
	@echo "make run: exec bin/mockidp serve --addr $(ADDR) --config $(CONFIG) --demo"
	@exec bin/mockidp serve --addr $(ADDR) --config $(CONFIG) --demo

run-tls: ## the same over HTTPS with a local CA (written to mockidp-ca.pem)
	@echo "make run-tls: compiling bin/mockidp"
	@$(GO) build -v -o bin/mockidp ./cmd/mockidp
	@exec bin/mockidp serve --addr $(ADDR) --config $(CONFIG) --demo --tls

test: vet ## every Go test, the conformance suite on both drivers, the SDK interop test
	$(GO) test -race -count=1 -timeout 15m ./...

test-short: ## Go tests without the browser run and the Node SDK test
	CONSENTRY_BROWSER=off CONSENTRY_SKIP_NODE_INTEROP=1 $(GO) test -count=1 ./...

suite: ## run the conformance suite: make suite TARGET=file.yaml DRIVER=browser
	$(GO) run ./cmd/consentry run --target $(TARGET) --driver $(DRIVER)

rules: ## list the spec's rules and the scenarios that check them
	$(GO) run ./cmd/consentry rules

BENCHTIME ?= 1s

bench: ## benchmarks with -benchmem: signing, consent, token endpoint, code flow, 100k grants, start-up (BENCHTIME=$(BENCHTIME))
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

bench-compare: ## client credentials RS256/ES256: mockidp against node oidc-provider (npm ci), same run
	@echo "make bench-compare: compiling bin/mockidp"
	@$(GO) build -o bin/mockidp ./cmd/mockidp
	@interop/oidc-provider/compare.sh bin/mockidp

build: ## build bin/mockidp and bin/consentry
	$(GO) build -o bin/ ./cmd/...

vet: ## go vet and a gofmt check
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean: ## remove build output and reports
	rm -rf bin reports

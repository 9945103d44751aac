# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what those two depend on.
SHELL := /bin/bash
NODE := $(shell scripts/ensure-node.sh)
export PATH := $(dir $(NODE)):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: run test typecheck unit lint format deps control-plane image golden bench bench-gateway bench-operator clean

run: deps
	bin/tollgate dev examples/ --with-example-backend

test: deps control-plane image typecheck lint
	vitest run

# Everything that needs neither Redis nor the Go-built control plane (vitest.config.ts draws the projects from imports).
unit: deps
	vitest run --project unit

typecheck: deps
	tsc --noEmit

# Type-aware lint (floating promises, misused promises, needless assertions, import cycles,
# functions over 80 lines): .oxlintrc.json. Formatting: .oxfmtrc.json (`make format` applies it).
lint: deps
	oxlint --type-aware --tsconfig tsconfig.json --deny-warnings .
	oxfmt --check '**/*.ts'

format: deps
	oxfmt '**/*.ts'

deps: node_modules/.package-lock.json

# A node_modules that is a symlink (a worktree sharing another checkout's) is never
# reinstalled through: npm ci would empty the other checkout's node_modules.
node_modules/.package-lock.json: package.json package-lock.json
	@if [ -L node_modules ]; then echo "deps: node_modules is a symlink to $$(readlink node_modules); not running npm ci through it (rm node_modules, then make deps)" >&2; \
	else npm ci --no-audit --no-fund --loglevel=error && touch $@; fi

# A real kube-apiserver and etcd built from Go modules, cached by version.
control-plane:
	test/control-plane/build.sh

# The image, with buildah and no registry: a base from Debian packages (mmdebstrap)
# and Node from npm; IMAGE_BASE=node builds the Dockerfile FROM node:24 instead.
# Rebuilt only when what goes into it changed (scripts/image/build.sh).
image: deps
	scripts/image/build.sh

# Regenerate the compiler's golden files after an intended change; review the diff.
golden: deps
	UPDATE_GOLDEN=1 vitest run operator/compiler

bench: deps
	node bench/compile/run.ts
	node bench/reload/run.ts
	node bench/revocation/run.ts
	node bench/dev-start/run.ts
	node bench/portal/run.ts
	node bench/mcp/transport.ts
	node bench/mcp/run.ts

# The gateway (harness and shipped process) beside bare http-proxy-3, bare undici and
# nginx, 3 interleaved rounds, then its per-step breakdown
# (needs wrk, nginx and postgresql: apt-get install -y wrk nginx-light postgresql; the
# target with --usage-database shows what the usage sink costs per request, bar <= 1.10);
# then what OpenAPI request validation costs for a small JSON body (off, on, mocked).
bench-gateway: deps
	node bench/gateway/run.ts --repeat 3
	node bench/gateway/validation.ts --repeat 3

# kubectl apply -> first 200 and kubectl delete -> first 403, through a real API
# server, operator and gateway, over 20 tries (target: p95 <= 1 s for both).
bench-operator: deps control-plane
	node bench/operator/run.ts

clean:
	rm -rf node_modules .toolchain .cache

# syntax=docker/dockerfile:1
#
# The tollgate image: `tollgate operator` and `tollgate gateway` (config/deploy).
# NOT BUILT YET: it was written on a machine without a Docker engine, so no build
# of it has been run or tested. Build and try it before publishing:
#   docker build -t ghcr.io/tollgate-dev/tollgate:0.1.0 .
#   docker run --rm ghcr.io/tollgate-dev/tollgate:0.1.0 --help
# (What was checked without Docker: a directory holding exactly the paths copied
# below plus `npm ci --omit=dev --ignore-scripts` runs bin/tollgate --help,
# validate examples/ and a gateway with --state-dir on Node 24.)
#
# No compile step: bin/tollgate runs the TypeScript sources with Node's type
# stripping, so the image holds the sources and the production dependencies.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs an install script (none has one in package-lock.json).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
# bin/tollgate finds Node with scripts/ensure-node.sh (this image's node is 24).
COPY bin ./bin
COPY scripts/ensure-node.sh ./scripts/ensure-node.sh
COPY cli ./cli
COPY gateway ./gateway
COPY operator ./operator
COPY dev ./dev
# The CRD schemas are read at run time (validate, the loader).
COPY crds ./crds
# Numeric, so that Kubernetes' runAsNonRoot can verify it (the image's `node` user).
USER 1000:1000
# Gateway proxy and admin, operator publisher and admin.
EXPOSE 8080 9090 8081 9091
ENTRYPOINT ["/app/bin/tollgate"]
CMD ["--help"]

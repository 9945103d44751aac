# syntax=docker/dockerfile:1
#
# The published tollgate image: `tollgate operator` and `tollgate gateway`
# (config/deploy, charts/tollgate), FROM the official Node 24 image:
#   docker build -t ghcr.io/tollgate-dev/tollgate:0.1.0 .
#   make image IMAGE_BASE=node          (the same with buildah)
# Without a registry, `make image` (scripts/image/build.sh) builds the same
# files on a base made from Debian packages and Node from the npm registry;
# that is the image the tests run. scripts/image/image-files.test.ts checks the
# two copy the same files.
#
# No compile step: Node runs the TypeScript sources with type stripping, so the
# image holds the sources and the production dependencies.
ARG NODE_IMAGE=docker.io/library/node:24-slim

# The files the image holds, and their production dependencies.
FROM ${NODE_IMAGE} AS app
WORKDIR /app
COPY package.json package-lock.json ./
COPY cli ./cli
COPY gateway ./gateway
COPY operator ./operator
COPY dev ./dev
COPY portal ./portal
COPY usage ./usage
# The CRD schemas are read at run time (validate, the loader).
COPY crds ./crds
# No production dependency needs an install script, and none is native.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# Of those dependencies, only the files the commands load, ES modules minified (as make image does).
FROM ${NODE_IMAGE} AS slim
WORKDIR /tools
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY scripts/image/slim-node-modules.ts ./scripts/image/
COPY --from=app /app /app
RUN node scripts/image/slim-node-modules.ts /app

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=slim /app ./
# Numeric, so that Kubernetes' runAsNonRoot can verify it (the image's `node` user).
USER 1000:1000
# Gateway proxy and admin, operator publisher and admin.
EXPOSE 8080 9090 8081 9091
# node itself, no shell: the same entrypoint as the Debian-based build.
ENTRYPOINT ["/usr/local/bin/node", "--experimental-strip-types", "--disable-warning=ExperimentalWarning", "/app/cli/main.ts"]
CMD ["--help"]

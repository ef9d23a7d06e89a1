#!/usr/bin/env bash
# Finds or builds the binaries the test bed needs: kube-apiserver, etcd, kubectl and helm, and the gopher-lua runner.
#
# Prints one NAME=PATH line per binary on stdout (KUBE_APISERVER, ETCD, KUBECTL, HELM, LUA_RUNNER); progress goes to
# stderr.
#   - KUBEBUILDER_ASSETS, when set, must hold kube-apiserver, etcd and kubectl; it is used as is.
#   - Otherwise each binary is built once from its Go module into a cache folder keyed by version:
#       ${SV_KMS_CACHE_DIR:-$HOME/.cache/sv-kms-operator}/bin/k8s-<v>-etcd-<v>-helm-<v>/
#     The Go toolchain and a Go module proxy are needed for the first build only.
#   - helm: HELM_BIN, when set, is used instead of building one.
set -euo pipefail

K8S_VERSION="${SV_KMS_K8S_VERSION:-1.34.4}"
ETCD_VERSION="${SV_KMS_ETCD_VERSION:-3.6.4}"   # envtest pairs Kubernetes 1.34 with etcd 3.6.4
HELM_VERSION="${SV_KMS_HELM_VERSION:-3.21.4}"

CACHE_ROOT="${SV_KMS_CACHE_DIR:-$HOME/.cache/sv-kms-operator}"
OUT="$CACHE_ROOT/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-helm-$HELM_VERSION"

log() { echo "test-binaries: $*" >&2; }
die() { echo "test-binaries: error: $*" >&2; exit 1; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for b in kube-apiserver etcd kubectl; do
    [ -x "$KUBEBUILDER_ASSETS/$b" ] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable '$b'. Point it at a folder with kube-apiserver, etcd and kubectl, or unset it to build them from Go modules."
  done
fi

need_build=()
for b in kube-apiserver etcd kubectl; do
  if [ -z "${KUBEBUILDER_ASSETS:-}" ] && [ ! -x "$OUT/$b" ]; then need_build+=("$b"); fi
done
if [ -z "${HELM_BIN:-}" ] && [ ! -x "$OUT/helm" ]; then need_build+=(helm); fi

if [ "${#need_build[@]}" -gt 0 ]; then
  command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH, and ${need_build[*]} not in the cache ($OUT). Install Go >= 1.24 (with access to a Go module proxy), or set KUBEBUILDER_ASSETS to a folder with kube-apiserver, etcd and kubectl (and HELM_BIN to a helm v3 binary)."
  mkdir -p "$OUT"
  # One build at a time per cache folder, so parallel test runs don't race.
  exec 9>"$OUT/.lock"
  flock 9
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"

  build_k8s() {
    local minor="${K8S_VERSION#1.}"; minor="${minor%%.*}"
    local staging="v0.${K8S_VERSION#1.}"
    local d="$work/k8s"; mkdir -p "$d"
    {
      echo "module example.invalid/sv-kms-test-k8s"
      echo
      echo "go 1.24.0"
      echo
      echo "require k8s.io/kubernetes v$K8S_VERSION"
      echo
      echo "tool ("
      echo "	k8s.io/kubernetes/cmd/kube-apiserver"
      echo "	k8s.io/kubernetes/cmd/kubectl"
      echo ")"
      echo
      echo "replace ("
      # Every k8s.io staging module that k8s.io/kubernetes maps to ./staging, pinned to its published version.
      for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
               cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api \
               cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms \
               kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
               mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller; do
        echo "	k8s.io/$m => k8s.io/$m $staging"
      done
      echo ")"
    } >"$d/go.mod"
    (cd "$d" && go mod tidy >&2)
    local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
    for b in kube-apiserver kubectl; do
      if [[ " ${need_build[*]} " == *" $b "* ]]; then
        log "building $b v$K8S_VERSION (several minutes the first time)"
        (cd "$d" && go build -trimpath -ldflags "$ld" -o "$OUT/$b.tmp" "k8s.io/kubernetes/cmd/$b" >&2)
        mv "$OUT/$b.tmp" "$OUT/$b"
      fi
    done
  }

  build_etcd() {
    local d="$work/etcd"; mkdir -p "$d"
    printf 'module example.invalid/sv-kms-test-etcd\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" >"$d/go.mod"
    printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' >"$d/main.go"
    (cd "$d" && go mod tidy >&2)
    log "building etcd v$ETCD_VERSION"
    (cd "$d" && go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" . >&2)
    mv "$OUT/etcd.tmp" "$OUT/etcd"
  }

  build_helm() {
    log "building helm v$HELM_VERSION"
    GOBIN="$work/helm-bin" go install -trimpath \
      -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
      "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" >&2
    mv "$work/helm-bin/helm" "$OUT/helm"
  }

  [[ " ${need_build[*]} " == *" etcd "* ]] && build_etcd
  if [[ " ${need_build[*]} " == *" kube-apiserver "* || " ${need_build[*]} " == *" kubectl "* ]]; then build_k8s; fi
  [[ " ${need_build[*]} " == *" helm "* ]] && build_helm
  log "binaries ready in $OUT"
fi

# The gopher-lua runner (test/lua-runner: Argo CD's Lua engine for the health check and resource actions), built once
# per version of its sources into its own cache folder.
REPO="$(cd "$(dirname "$0")/.." && pwd)"
LUA_SRC="$REPO/test/lua-runner"
LUA_KEY="$(cat "$LUA_SRC/go.mod" "$LUA_SRC/go.sum" "$LUA_SRC/main.go" | sha256sum | cut -c1-16)"
LUA_OUT="$CACHE_ROOT/bin/gopher-lua-runner-$LUA_KEY"
if [ ! -x "$LUA_OUT/gopher-lua-runner" ]; then
  command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH, and the gopher-lua runner is not in the cache ($LUA_OUT). Install Go >= 1.24 (with access to a Go module proxy)."
  mkdir -p "$LUA_OUT"
  exec 8>"$LUA_OUT/.lock"
  flock 8
  if [ ! -x "$LUA_OUT/gopher-lua-runner" ]; then
    log "building the gopher-lua runner"
    (cd "$LUA_SRC" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" go build -trimpath -ldflags "-s -w" -o "$LUA_OUT/gopher-lua-runner.tmp" . >&2)
    mv "$LUA_OUT/gopher-lua-runner.tmp" "$LUA_OUT/gopher-lua-runner"
  fi
fi

assets="${KUBEBUILDER_ASSETS:-$OUT}"
echo "KUBE_APISERVER=$assets/kube-apiserver"
echo "ETCD=$assets/etcd"
echo "KUBECTL=$assets/kubectl"
echo "HELM=${HELM_BIN:-$OUT/helm}"
echo "LUA_RUNNER=$LUA_OUT/gopher-lua-runner"

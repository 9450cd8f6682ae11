#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from
# this wrapper module into $1 (default ~/.cache/evk/k8s/<version>). Idempotent:
# returns at once when the binaries there already report the right version.
set -euo pipefail
cd "$(dirname "$0")"
V=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == "k8s.io/kubernetes" { print $3; exit }' go.mod)
[ -n "$V" ] || { echo "cannot read the k8s.io/kubernetes version from $(pwd)/go.mod" >&2; exit 1; }
MINOR=$(echo "$V" | cut -d. -f2)
OUT="${1:-${EVK_CACHE_DIR:-$HOME/.cache/evk}/k8s/$V}"
ok=1
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do [ -x "$OUT/$b" ] || ok=0; done
if [ "$ok" = 1 ] && "$OUT/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes $V"; then exit 0; fi
command -v go >/dev/null || { echo "go not found: install Go >= 1.25 (https://go.dev/doc/install) and put it on PATH" >&2; exit 1; }
rm -rf "$OUT.partial"; mkdir -p "$OUT.partial"
LDF="-s -w"
for kv in gitVersion=$V gitMajor=1 gitMinor=$MINOR gitTreeState=clean gitCommit=unknown \
          buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ); do
  LDF="$LDF -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done
LOG="$OUT.partial/build.log"
echo "building Kubernetes $V host binaries into $OUT (cold: ~15-25 min on 2 cores; log: $LOG)" >&2
# `go build -v` names each package as it compiles; every 100th is shown as progress.
set +e
CGO_ENABLED=0 go build -v -trimpath -tags=selinux,notest -ldflags "$LDF" -o "$OUT.partial/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl 2>&1 \
  | tee "$LOG" | awk '/^go: / { next } { n++; if (n % 100 == 0) { printf "  %d packages compiled (%s)\n", n, $1; fflush() } }' >&2
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" != 0 ]; then tail -n 30 "$LOG" >&2; echo "go build of Kubernetes $V failed (exit $rc); full log: $LOG" >&2; exit 1; fi
rm -f "$LOG"; rm -rf "$OUT" && mv "$OUT.partial" "$OUT"
"$OUT/kube-apiserver" --version >&2

#!/usr/bin/env bash
# Installs the kwok controller into $1 and copies its default stages beside it.
# kwok v0.8.0 has no built-in stages and exits without them; the stage files ship in its module zip.
set -euo pipefail
DIR=$1; V=$2
bash "$(dirname "$0")/install-go-tool.sh" "$DIR" "${V#v}" "sigs.k8s.io/kwok/cmd/kwok@$V"
[ -f "$DIR/stages/pod-ready.yaml" ] && exit 0
go mod download "sigs.k8s.io/kwok@$V" >/dev/null 2>&1 || true
ST="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$V/kustomize/stage"
[ -d "$ST" ] || { echo "kwok stage files not found at $ST" >&2; exit 1; }
mkdir -p "$DIR/stages"
cp "$ST/node/fast/node-initialize.yaml" "$ST/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
   "$ST/pod/fast/pod-ready.yaml" "$ST/pod/fast/pod-complete.yaml" "$ST/pod/fast/pod-delete.yaml" "$DIR/stages/"

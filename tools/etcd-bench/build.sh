#!/usr/bin/env bash
# Builds etcd-bench (raw put load with etcd's Go client) into $1, once.
set -euo pipefail
cd "$(dirname "$0")"
OUT="${1:-${EVK_CACHE_DIR:-$HOME/.cache/evk}/etcd-bench}"
SUM=$(cat go.mod go.sum main.go | sha256sum | cut -c1-16)
[ -x "$OUT/etcd-bench" ] && [ "$(cat "$OUT/.source" 2>/dev/null)" = "$SUM" ] && exit 0
command -v go >/dev/null || { echo "go not found: install Go >= 1.25 and put it on PATH" >&2; exit 1; }
echo "building etcd-bench into $OUT" >&2
mkdir -p "$OUT"
CGO_ENABLED=0 go build -trimpath -o "$OUT/etcd-bench" . || { echo "go build of etcd-bench failed" >&2; exit 1; }
echo "$SUM" > "$OUT/.source"

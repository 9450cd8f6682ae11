#!/usr/bin/env bash
# Makes sure the k8s.io/api and k8s.io/apimachinery modules this wrapper pins are in the Go module cache:
# evk's apiserver reads their generated.proto files and Go struct tags there (never copies them into the
# repository) to decode protobuf request bodies. Idempotent: a warm cache answers in milliseconds.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || { echo "go not found: install Go >= 1.25 (https://go.dev/doc/install) and put it on PATH" >&2; exit 1; }
go mod download k8s.io/api k8s.io/apimachinery
for m in api apimachinery; do
  dir=$(go list -m -f '{{.Dir}}' "k8s.io/$m")
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "k8s.io/$m is not in the Go module cache after go mod download" >&2; exit 1; }
done

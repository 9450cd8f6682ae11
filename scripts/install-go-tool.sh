#!/usr/bin/env bash
# go install <module>/<cmd>@<version> into <dir>, once. Usage: install-go-tool.sh <dir> <version-check-string> <pkg@version>...
# The version check compares `<bin> --version` output so a stale cache entry is rebuilt.
set -euo pipefail
DIR=$1; CHECK=$2; shift 2
first=$(basename "${1%@*}")
if [ -x "$DIR/$first" ] && "$DIR/$first" --version 2>&1 | grep -qF "$CHECK"; then exit 0; fi
command -v go >/dev/null || { echo "go not found: install Go >= 1.26 (https://go.dev/doc/install) and put it on PATH; it builds $*" >&2; exit 1; }
echo "building $* into $DIR with go install" >&2
mkdir -p "$DIR"
CGO_ENABLED=0 GOBIN="$DIR" go install -trimpath -ldflags "-s -w" "$@" || { echo "go install $* failed (is the Go module proxy reachable?)" >&2; exit 1; }

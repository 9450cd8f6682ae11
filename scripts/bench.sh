#!/usr/bin/env bash
# `npm run bench` (every benchmark) or `npm run bench:<name>`: bootstraps like the test command, then runs
# test/bench/<name>.bench.ts, which starts its own real processes and prints its figures.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$EVK_ROOT"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls test/bench/*.bench.ts | xargs -n1 basename | sed 's/\.bench\.ts$//'))
export EVK_LOG_LEVEL="${EVK_LOG_LEVEL:-warn}"
for n in "${names[@]}"; do
  [ -f "test/bench/$n.bench.ts" ] || evk_die "no benchmark named '$n' (test/bench/$n.bench.ts)"
  evk_step "benchmark: $n"
  node "test/bench/$n.bench.ts"
done

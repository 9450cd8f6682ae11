#!/usr/bin/env bash
# The test command (README quick start, .ci/run): bootstraps Node 24 and npm packages,
# builds or fetches the real parts the chosen suites need, then runs mocha.
# The last line printed is always `N passed, N failed, N skipped`; any failure exits non-zero.
#
#   npm test                          everything: quality (lint, type-check), unit, smoke, integration, e2e
#   npm test -- --unit                pure unit tests only (no real processes, seconds)
#   npm test -- --suite smoke         files named *.smoke.test.ts (likewise any other suite name)
#   npm test -- path/to/x.test.ts     one file; other arguments go to mocha (e.g. --grep 'etcd')
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$EVK_ROOT"

specs=() mocha_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --unit) specs+=("**/*.unit.test.ts") ;;
    --suite) [ $# -ge 2 ] || evk_die "--suite needs a name (quality, unit, smoke, ...)"; specs+=("**/*.$2.test.ts"); shift ;;
    --suite=*) specs+=("**/*.${1#--suite=}.test.ts") ;;
    *.ts) specs+=("$1") ;;
    *) mocha_args+=("$1") ;;
  esac
  shift
done
[ ${#specs[@]} -gt 0 ] || specs=("**/*.test.ts")
# Only unit and quality tests run without real processes.
needs_real=0
for s in "${specs[@]}"; do case "$s" in *.unit.test.ts|*.quality.test.ts) ;; *) needs_real=1 ;; esac; done

if [ "$needs_real" = 1 ]; then
  evk_step "making sure etcd, nats-server, kwok and the Kubernetes host binaries are built (cached in $EVK_CACHE_DIR)"
  node libs/testing/src/provision-main.ts
fi

# Every process the harness starts carries this marker in its environment, so the
# leak check below can find anything that outlived the run, whatever it was.
export EVK_TEST_RUN_ID="evk-test-$$-$(date +%s)"
# Components started inside the test process log only errors; processes the harness starts keep their
# own logs in files, printed when a test fails.
export EVK_LOG_LEVEL="${EVK_LOG_LEVEL:-error}"
set +e
node node_modules/mocha/bin/mocha.js \
  --reporter "$EVK_ROOT/test/reporter/summary-reporter.cjs" \
  --require "$EVK_ROOT/libs/testing/src/mocha-hooks.ts" \
  --timeout 120000 --exit \
  --ignore '**/node_modules/**' \
  "${mocha_args[@]}" "${specs[@]}" | tee "/tmp/$EVK_TEST_RUN_ID.out"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "/tmp/$EVK_TEST_RUN_ID.out" | tail -1 || true)
rm -f "/tmp/$EVK_TEST_RUN_ID.out"

leaked=$(node libs/testing/src/leak-check-main.ts "$EVK_TEST_RUN_ID" || true)
final=$summary
if [ -n "$leaked" ]; then
  echo "processes started by this run were still running and have been killed:" >&2
  echo "$leaked" >&2
  rc=1
  final=$(echo "${summary:-0 passed, 0 failed, 0 skipped}" | awk -F'[ ,]+' '{ printf "%d passed, %d failed, %d skipped", $1, $3 + 1, $5 }')
fi
if [ -z "$final" ]; then
  echo "mocha ended without a summary (exit $rc)" >&2
  final="0 passed, 1 failed, 0 skipped" rc=1
elif [ "$rc" != 0 ] && [ "$(echo "$final" | awk -F'[ ,]+' '{ print $3 }')" = 0 ]; then
  echo "mocha exited $rc although no test failed" >&2
  final=$(echo "$final" | awk -F'[ ,]+' '{ printf "%d passed, 1 failed, %d skipped", $1, $5 }')
fi
# mocha's reporter already printed the line; print it again only when the run's outcome changed it.
[ "$final" = "$summary" ] || echo "$final"
exit "$rc"

#!/usr/bin/env bash
# `make test`: lint, build, then run the whole suite against a throwaway embedded PostgreSQL
# cluster that is stopped and deleted afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=$(scripts/ensure-test-tools.sh)
if [ -n "$tools" ]; then export PATH="$tools:$PATH"; fi

echo "==> swift format lint --strict"
swift format lint --strict --recursive Package.swift Sources Tests

echo "==> swift build"
swift build --build-tests

scratch=$(mktemp -d /tmp/haven-test.XXXXXX)
# As root the cluster runs as the postgres account, which must be able to reach its data dir.
chmod 755 "$scratch"
export HAVEN_TEST_DATA_DIR="$scratch/postgres"
cleanup() {
    .build/debug/haven db stop --data-dir "$HAVEN_TEST_DATA_DIR" >/dev/null 2>&1 || true
    rm -rf "$scratch"
}
trap cleanup EXIT

echo "==> swift test (throwaway cluster in $HAVEN_TEST_DATA_DIR)"
# The suite takes seconds. A hang must fail loudly, naming what was still running, rather than
# eat CI's whole budget; line-buffered output keeps the last lines that were printed.
limit="${HAVEN_TEST_TIME_LIMIT:-900}"
status=0
timeout --kill-after=30 "$limit" stdbuf -oL -eL swift test --skip-build || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "error: the test suite did not finish within ${limit} s (HAVEN_TEST_TIME_LIMIT); see the last tests started above" >&2
fi
exit "$status"

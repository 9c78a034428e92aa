#!/usr/bin/env bash
# `make test`: lint, build, then run the whole suite against a throwaway embedded PostgreSQL
# cluster that is stopped and deleted afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

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
swift test

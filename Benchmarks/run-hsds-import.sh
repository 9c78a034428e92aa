#!/usr/bin/env bash
# The HSDS import benchmark (issue: Partners, HSDS). Needs a release build:
#
#   swift build -c release --product haven
#   Benchmarks/run-hsds-import.sh           # SERVICES=100000 to change the size
#
# 1. fills haven_bench_hsds (embedded cluster) with SERVICES synthetic services, unless it
#    already holds that many;
# 2. exports it with `haven export hsds` into a folder;
# 3. imports the folder into a new database holding only the reference data, and prints the
#    import's own time per phase;
# 4. imports the same folder again: it must change nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/lib/postgresql/15/bin:$PATH"
HAVEN=.build/release/haven
SERVICES=${SERVICES:-100000}
work=$(mktemp -d /tmp/haven-hsds-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x "$HAVEN" ] || { echo "build first: swift build -c release --product haven" >&2; exit 1; }
$HAVEN db start >/dev/null
base=$($HAVEN db status | grep -o 'postgres://[^ ]*')
source_url="${base%/*}/haven_bench_hsds?sslmode=disable"
target_url="${base%/*}/haven_bench_hsds_import?sslmode=disable"

have=$(psql "${base%/*}/postgres?sslmode=disable" -Atc \
  "SELECT 1 FROM pg_database WHERE datname = 'haven_bench_hsds'" | head -1)
count=0
[ "$have" = 1 ] && count=$(psql "$source_url" -Atc "SELECT count(*) FROM services" 2>/dev/null || echo 0)
if [ "$count" != "$SERVICES" ]; then
  echo "==> generating $SERVICES synthetic services in haven_bench_hsds"
  psql "${base%/*}/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS haven_bench_hsds"
  $HAVEN bench generate --services "$SERVICES" --bench-database haven_bench_hsds 2>/dev/null | tail -1
fi

# A database generated before the latest migrations is brought up to date; export refuses a
# schema behind the build.
DATABASE_URL="$source_url" $HAVEN migrate 2>&1 | grep -v '^{' || true

echo "==> export"
/usr/bin/time -f "    %e s wall, %M KB peak memory" \
  env DATABASE_URL="$source_url" $HAVEN export hsds "$work/package" 2>&1 | grep -E "Exported|services.csv|wall|Error"
du -sh "$work/package" | sed 's/^/    /'

echo "==> import into a database with only the reference data"
psql "${base%/*}/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS haven_bench_hsds_import"
$HAVEN bench generate --services 0 --bench-database haven_bench_hsds_import >/dev/null 2>&1
/usr/bin/time -f "    %e s wall, %M KB peak memory" \
  env DATABASE_URL="$target_url" $HAVEN import hsds "$work/package" 2>&1 | grep -E "Read|time:|Imported|wall"

echo "==> the same package again"
env DATABASE_URL="$target_url" $HAVEN import hsds "$work/package" 2>&1 | grep -E "time:|up to date|Imported"

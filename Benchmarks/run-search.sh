#!/usr/bin/env bash
# The search benchmark (issue: Search and matching). Needs a release build and benchmark data:
#
#   swift build -c release --product haven
#   .build/release/haven bench generate --services 1000000
#   Benchmarks/run-search.sh            # DURATION=30s CONNECTIONS="4 16" to change
#
# Starts the release server against the benchmark database on port 8090 (rate limits raised so
# they do not cap the load), replays a mix of realistic searches with wrk at each concurrency,
# then runs the candidate query through pgbench -M prepared on the same data and request mix.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/lib/postgresql/15/bin:$PATH"
HAVEN=.build/release/haven
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-"4 16"}
PORT=${PORT:-8090}
work=$(mktemp -d /tmp/haven-bench.XXXXXX)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

[ -x "$HAVEN" ] || { echo "build first: swift build -c release --product haven" >&2; exit 1; }
base=$($HAVEN db status | grep -o 'postgres://[^ ]*')
url="${base%/*}/haven_bench"
export DATABASE_URL="$url" HAVEN_ENCRYPTION_KEY_FILE=${HAVEN_ENCRYPTION_KEY_FILE:-.haven/encryption-keys}
services=$(psql "$url" -Atc "SELECT count(*) FROM services")
echo "==> $services services in haven_bench"

org=$($HAVEN admin create-organization --name "Benchmark runner" 2>/dev/null)
user=$($HAVEN admin create-user --name "Benchmark advocate" --role advocate --organization "$org" 2>/dev/null)
export HAVEN_BENCH_TOKEN=$($HAVEN admin create-token --user "$user" --name bench --expires-in-days 1 2>/dev/null)
$HAVEN bench paths --count 2000 2>/dev/null > "$work/paths.txt"
export HAVEN_BENCH_PATHS="$work/paths.txt"

# The same requests for pgbench: the ZIP's point and the first need of each path.
psql "$url" -q -c "DROP TABLE IF EXISTS bench_queries" \
  -c "CREATE TABLE bench_queries (id int PRIMARY KEY, zip text, need text, p geography, g geometry)"
awk -F'[=&]' '{print NR "," $2 "," $4}' "$work/paths.txt" > "$work/queries.csv"
psql "$url" -q -c "\\copy bench_queries (id, zip, need) FROM '$work/queries.csv' CSV" \
  -c "UPDATE bench_queries b SET p = z.point, g = z.point::geometry FROM zip_codes z WHERE z.zip = b.zip" -c "ANALYZE bench_queries"

HAVEN_PORT=$PORT HAVEN_LOG_LEVEL=warning HAVEN_RATE_LIMIT_TOKEN=100000000 HAVEN_RATE_LIMIT_ADDRESS=100000000 \
  HAVEN_DB_POOL_SIZE=${POOL:-16} $HAVEN serve > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break; sleep 1; done

echo "==> EXPLAIN (ANALYZE, BUFFERS) of the candidate query for one request"
psql "$url" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $(sed -n '/^SELECT/,$p' Benchmarks/knn.sql | sed 's/:q/1/')" | head -30

for c in $CONNECTIONS; do
  echo "==> HTTP: wrk, $c connections, $DURATION"
  wrk -t2 -c"$c" -d"$DURATION" -s Benchmarks/search-load.lua "http://127.0.0.1:$PORT" | sed -n '/^requests/,$p'
  echo "==> SQL: pgbench -M prepared, $c clients, $DURATION"
  rm -f "$work"/pg.*
  pgbench -n -M prepared -c "$c" -j2 -T "${DURATION%s}" -f Benchmarks/knn.sql -l --log-prefix="$work/pg" "$url" \
    | grep -E "tps|latency average|number of failed"
  # Per-transaction log: the third column is the latency in microseconds.
  cat "$work"/pg.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
    printf "pgbench p50 %.2f ms  p95 %.2f ms  p99 %.2f ms\n", a[int(NR*0.50)]/1000, a[int(NR*0.95)]/1000, a[int(NR*0.99)]/1000}'
done
echo "==> server RSS: $(ps -o rss= -p "$server" | awk '{printf "%.0f MB", $1/1024}')"

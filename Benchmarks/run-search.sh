#!/usr/bin/env bash
# The search benchmark (issue: Search and matching). Needs a release build and benchmark data:
#
#   swift build -c release --product haven
#   .build/release/haven bench generate --services 1000000
#   Benchmarks/run-search.sh            # DURATION=30s CONNECTIONS="4 16" POOL=4 REQUESTS=2000 to change
#
# Starts the release server against the benchmark database on port 8090 (rate limits raised so
# they do not cap the load), replays a mix of realistic searches with wrk at each concurrency,
# then runs through pgbench -M prepared, on the same data and request mix, the server's candidate
# statement alone (search.sql: all a request runs when its page's details are kept in the server's
# memory) and every statement a request runs when they are not (search-request.sql). Last, the
# Python peer of the brief (tipg) answers the brief's KNN query under the same load (PEER=0 skips
# it). BARE=1 also measures, beside Haven, a bare server on the same HTTP server and PostgreSQL
# client that runs the candidate statement and nothing else (Benchmarks/BareServer): the share of
# pgbench that stack reaches on this machine, which bounds Haven's. Needs wrk, pgbench and python3
# (with venv, and PyPI for the peer's first run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/lib/postgresql/15/bin:$PATH"
HAVEN=.build/release/haven
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-"4 16"}
# How many different searches the load replays. 2,000 meet ~113,000 services, which the server's
# caches hold; 8,000 meet more than they hold, so most searches also read facts and details.
REQUESTS=${REQUESTS:-2000}
PORT=${PORT:-8090}
work=$(mktemp -d /tmp/haven-bench.XXXXXX)
server="" peer="" bare=""
# Only the processes this script started (an empty PID list kills nothing; `kill 0` would kill
# the script's own process group).
stop() {
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap 'stop "$server" "$peer" "$bare"; rm -rf "$work"' EXIT

[ -x "$HAVEN" ] || { echo "build first: swift build -c release --product haven" >&2; exit 1; }
base=$($HAVEN db status | grep -o 'postgres://[^ ]*')
url="${base%/*}/haven_bench"
export DATABASE_URL="$url" HAVEN_ENCRYPTION_KEY_FILE=${HAVEN_ENCRYPTION_KEY_FILE:-.haven/encryption-keys}
[ -f "$HAVEN_ENCRYPTION_KEY_FILE" ] || {
  echo "no key file at $HAVEN_ENCRYPTION_KEY_FILE: run \`make run\` or \`$HAVEN seed\` once first (they create it)" >&2; exit 1; }
services=$(psql "$url" -Atc "SELECT count(*) FROM services")
echo "==> $services services in haven_bench"

org=$($HAVEN admin create-organization --name "Benchmark runner" 2>/dev/null)
user=$($HAVEN admin create-user --name "Benchmark advocate" --role advocate --organization "$org" 2>/dev/null)
export HAVEN_BENCH_TOKEN=$($HAVEN admin create-token --user "$user" --name bench --expires-in-days 1 2>/dev/null)
# The server's own latency is read from GET /metrics, which only an admin may read.
operator=$($HAVEN admin create-user --name "Benchmark operator" --role admin --organization "$org" 2>/dev/null)
metrics_token=$($HAVEN admin create-token --user "$operator" --name bench-metrics --expires-in-days 1 2>/dev/null)
$HAVEN bench paths --count "$REQUESTS" 2>/dev/null > "$work/paths.txt"
export HAVEN_BENCH_PATHS="$work/paths.txt"

# The same requests for pgbench, with the arguments the server passes to search_candidates:
# the ZIP's point, the needs, the box around the 40 km radius, the area keys most local first.
psql "$url" -q -c "DROP TABLE IF EXISTS bench_queries" \
  -c "CREATE TABLE bench_queries (id int PRIMARY KEY, zip text, needs text[], lon float8, lat float8,
      box_lon float8, box_lat float8, area_keys text[], area_depths int[], page_services uuid[], page_locations uuid[])"
awk '{ split($0, query, "?"); n = split(query[2], pairs, "&"); zip = ""; needs = ""
       for (i = 1; i <= n; i++) { split(pairs[i], kv, "=")
         if (kv[1] == "zip") zip = kv[2]; else if (kv[1] == "needs") needs = needs (needs == "" ? "" : ",") kv[2] }
       printf "%d,%s,\"{%s}\"\n", NR, zip, needs }' "$work/paths.txt" > "$work/queries.csv"
psql "$url" -q -c "\\copy bench_queries (id, zip, needs) FROM '$work/queries.csv' CSV" \
  -c "UPDATE bench_queries b SET lon = ST_X(z.point::geometry), lat = ST_Y(z.point::geometry),
        box_lat = 40 / 111.32 * 1.01, box_lon = least(40 / 111.32 * 1.01 / greatest(cos(radians(ST_Y(z.point::geometry))), 0.01), 180),
        area_keys = array_remove(ARRAY['zip:' || z.zip, CASE WHEN z.county IS NOT NULL THEN 'county:' || z.state || ':' || z.county END,
                                       'state:' || z.state, 'national'], NULL),
        area_depths = CASE WHEN z.county IS NULL THEN '{1,4,5}'::int[] ELSE '{1,3,4,5}'::int[] END
      FROM zip_codes z WHERE z.zip = b.zip" -c "ANALYZE bench_queries"

# Both runs start with the search tables in PostgreSQL's buffer cache.
psql "$url" -q -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" -c "SELECT sum(pg_prewarm(c)) AS pages_prewarmed FROM unnest(
  ARRAY['search_points', 'search_points_keyed_idx', 'search_services', 'search_services_pkey', 'search_area_keys',
        'search_area_keys_pkey', 'search_area_keys_reading_idx', 'search_area_shapes', 'search_area_shapes_keyed_idx', 'zip_codes']::regclass[]) c"

HAVEN_PORT=$PORT HAVEN_LOG_LEVEL=warning HAVEN_RATE_LIMIT_TOKEN=100000000 HAVEN_RATE_LIMIT_ADDRESS=100000000 \
  HAVEN_DB_POOL_SIZE=${POOL:-$((2 * $(nproc)))} $HAVEN serve > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break; sleep 1; done

# The page the server shows for each request, for the details statement in search-request.sql
# (a result reached only by its service area has no location: the server passes a zero UUID).
python3 - "$work/paths.txt" "$PORT" > "$work/pages.tsv" <<'PY'
import http.client, json, os, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]))
headers = {"Authorization": "Bearer " + os.environ["HAVEN_BENCH_TOKEN"]}
for number, path in enumerate(open(sys.argv[1]).read().split(), start=1):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = json.loads(response.read())
    if response.status != 200: sys.exit(f"{path}: {response.status}")
    services = [r["service_id"] for r in body["data"]]
    locations = [(r.get("location") or {}).get("id", "00000000-0000-0000-0000-000000000000") for r in body["data"]]
    print(f"{number}\t{{{','.join(services)}}}\t{{{','.join(locations)}}}")
PY
psql "$url" -q -c "CREATE TEMP TABLE pages (id int, services uuid[], locations uuid[])" \
  -c "\\copy pages FROM '$work/pages.tsv'" \
  -c "UPDATE bench_queries b SET page_services = p.services, page_locations = p.locations FROM pages p WHERE p.id = b.id"


echo "==> EXPLAIN (ANALYZE, BUFFERS) of the candidate statement for one request, run twice in one session (auto_explain)"
psql "$url" -q -c "LOAD 'auto_explain'" -c "SET auto_explain.log_min_duration = 0" \
  -c "SET auto_explain.log_nested_statements = on" -c "SET auto_explain.log_analyze = on" \
  -c "SET auto_explain.log_buffers = on" -c "SET auto_explain.log_level = notice" -c "SET client_min_messages = notice" \
  -c "$(sed -n '/^SELECT/,$p' Benchmarks/search.sql | sed 's/:q/1/')" \
  -c "$(sed -n '/^SELECT/,$p' Benchmarks/search.sql | sed 's/:q/1/')" 2>&1 \
  | awk '/Query Text: WITH/ { n++ } n == 2 && /\(cost=/ { q = 1 } q && /^NOTICE/ { exit } q { print }' || true

# The server's latency for the searches between two scrapes of GET /metrics: its histogram of
# /v1/search/services answers (200s), measured from the request reaching the router to its
# response being ready, which leaves out wrk's own share of the two cores. Whether p50 and p99
# are within a target is read exactly from the cumulative bucket at the target (1.5, 5, 25 ms);
# the quantiles printed are interpolated within their bucket, as Prometheus' histogram_quantile.
scrape() {
  curl -sf -H "Authorization: Bearer $metrics_token" "http://127.0.0.1:$PORT/metrics" \
    | grep '^haven_http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/v1/search/services",http_response_status_code="200",' \
    | sed 's/.*le="\([^"]*\)"} \(.*\)/\1 \2/' > "$1" || true
}
server_latency() {
  awk '
    FNR == NR { before[$1] = $2; next }
    { bound[++n] = $1; count[n] = $2 - before[$1] }
    function quantile(q,   rank, i, lower, below) {
      rank = q * total; lower = 0; below = 0
      for (i = 1; i <= n; i++) {
        if (count[i] >= rank) {
          if (bound[i] == "+Inf") return bound[i - 1] * 1000
          return (lower + (bound[i] - lower) * (count[i] > below ? (rank - below) / (count[i] - below) : 1)) * 1000
        }
        lower = bound[i]; below = count[i]
      }
    }
    function within(limit,   i) { for (i = 1; i <= n; i++) if (bound[i] == limit) return total > 0 ? count[i] / total : 0 }
    END {
      total = count[n]
      if (total == 0) { print "server: no searches counted (is GET /metrics reachable?)"; exit }
      printf "server p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  (%d searches; within 1.5 ms %.1f%%, 5 ms %.2f%%, 25 ms %.2f%%)\n",
        quantile(0.50), quantile(0.95), quantile(0.99), total, 100 * within("0.0015"), 100 * within("0.005"), 100 * within("0.025")
      # Unrounded, for the verdict.
      printf "within %.9f %.9f %.9f\n", within("0.0015"), within("0.005"), within("0.025")
    }' "$1" "$2"
}

# The bare server (BARE=1): built on first use, started beside Haven's on PORT + 5 with the same
# pool size, reaching the embedded cluster through its socket; it reads bench_queries, filled above.
if [ "${BARE:-0}" = 1 ]; then
  socket=$($HAVEN db status | sed -n 's/^Socket: *//p')
  [ -n "$socket" ] || { echo "BARE=1 needs the embedded cluster running (its socket): haven db start" >&2; exit 1; }
  echo "==> building the bare server (Benchmarks/BareServer, release; several minutes the first time)"
  swift build -c release --package-path Benchmarks/BareServer > "$work/bare-build.log" 2>&1 \
    || { tail -30 "$work/bare-build.log" >&2; exit 1; }
  BARE_SOCKET="$socket" BARE_PORT=$((PORT + 5)) BARE_POOL=${POOL:-$((2 * $(nproc)))} PGDATABASE=haven_bench \
    PGUSER=$(printf '%s' "$base" | sed -n 's|^postgres://\([^:]*\):.*|\1|p') \
    PGPASSWORD=$(printf '%s' "$base" | sed -n 's|^postgres://[^:]*:\([^@]*\)@.*|\1|p') \
    Benchmarks/BareServer/.build/release/BareServer > "$work/bare.log" 2>&1 &
  bare=$!
  seq 1 "$REQUESTS" | sed 's|^|/candidates?q=|' > "$work/bare-paths.txt"
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$((PORT + 5))/candidates?q=1" > /dev/null && break; sleep 1; done
  curl -sf "http://127.0.0.1:$((PORT + 5))/candidates?q=1" > /dev/null || { cat "$work/bare.log" >&2; exit 1; }
  HAVEN_BENCH_PATHS="$work/bare-paths.txt" wrk -t1 -c2 -d5s -s Benchmarks/search-load.lua "http://127.0.0.1:$((PORT + 5))" > /dev/null
fi

# How many of the server's requests read their page's details from the database rather than from
# its memory (SearchDetailsCache): only where pg_stat_statements is loaded (shared_preload_libraries).
# (Only psql's exit status answers: its output is not "yes" either way.)
statements=$(psql "$url" -v ON_ERROR_STOP=1 -Atc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT 1 FROM pg_stat_statements LIMIT 1" \
  > /dev/null 2>&1 && echo yes || true)
for c in $CONNECTIONS; do
  echo "==> HTTP: wrk, $c connections, $DURATION"
  [ -n "$statements" ] && psql "$url" -qAtc "SELECT pg_stat_statements_reset()" > /dev/null
  scrape "$work/metrics.before"
  wrk -t2 -c"$c" -d"$DURATION" -s Benchmarks/search-load.lua "http://127.0.0.1:$PORT" | sed -n '/^requests/,$p' \
    | tee "$work/http.$c"
  scrape "$work/metrics.after"
  server_latency "$work/metrics.before" "$work/metrics.after" > "$work/server.$c"
  head -1 "$work/server.$c"
  [ -n "$statements" ] && psql "$url" -Atc "
    SELECT format('server statements: %s candidates, %s facts, %s details (the rest were kept in memory)',
                  coalesce(sum(calls) FILTER (WHERE query LIKE '%search_candidates(%'), 0),
                  coalesce(sum(calls) FILTER (WHERE query LIKE '%last_verified_at%FROM search_services%'), 0),
                  coalesce(sum(calls) FILTER (WHERE query LIKE '%f.organization_name%'), 0))
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" \
    | tee "$work/statements.$c"
  if [ -n "$bare" ]; then
    echo "==> bare server (the candidate statement alone, over HTTP): wrk, $c connections, $DURATION"
    HAVEN_BENCH_PATHS="$work/bare-paths.txt" wrk -t2 -c"$c" -d"$DURATION" -s Benchmarks/search-load.lua \
      "http://127.0.0.1:$((PORT + 5))" | sed -n '/^requests/,$p' | tee "$work/bare.$c"
  fi
  for script in search.sql search-request.sql; do
    echo "==> SQL: pgbench -M prepared, $c clients, $DURATION, $script"
    rm -f "$work"/pg.*
    pgbench -n -M prepared -c "$c" -j2 -T "${DURATION%s}" -f "Benchmarks/$script" \
      -D full_locations=false -D requests="$REQUESTS" -l --log-prefix="$work/pg" "$url" | grep -E "tps|latency average|number of failed" \
      | tee "$work/pgbench.$c.$script"
    # Per-transaction log: the third column is the latency in microseconds.
    cat "$work"/pg.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
      printf "pgbench p50 %.2f ms  p95 %.2f ms  p99 %.2f ms\n", a[int(NR*0.50)]/1000, a[int(NR*0.95)]/1000, a[int(NR*0.99)]/1000}'
  done
done
rss=$(ps -o rss= -p "$server" | awk '{printf "%.0f", $1/1024}')
echo "==> server RSS: $rss MB"
stop "$server" "$bare"; server="" bare=""

# The Python peer, measured in this run rather than taken from the brief (PEER=0 skips it): tipg
# (FastAPI + asyncpg, on uvicorn with uvloop and httptools) serving the brief's KNN query,
# peer.sql, over the same socket, for the same places and first needs as the HTTP load. Once
# with one worker process, as tipg is usually run, and once with a worker per core; the verdict
# takes the faster. Installed into .build/peer-venv from PyPI on first use. A peer that cannot
# be installed or started leaves the verdict to the brief's figure rather than losing the run.
measure_peer() {
  local venv=.build/peer-venv workers c
  if [ ! -x "$venv/bin/uvicorn" ]; then
    echo "==> installing the Python peer into $venv (tipg 1.6.1, uvicorn 0.54.0)"
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q "tipg==1.6.1" "uvicorn[standard]==0.54.0"; } \
      || { rm -rf "$venv"; return 1; }
  fi
  psql "$url" -q -f Benchmarks/peer.sql || return 1
  psql "$url" -Atc "SELECT format('/collections/public.bench_peer_nearest/items?need=%s&lon=%s&lat=%s&limit=20&sortby=distance_m&f=geojson',
                                  needs[1], lon, lat) FROM bench_queries ORDER BY id" > "$work/peer-paths.txt" || return 1
  for workers in 1 "$(nproc)"; do
    (DATABASE_URL="$url" TIPG_DB_FUNCTIONS='["public.bench_peer_nearest"]' TIPG_DB_TABLES='[]' \
      exec "$venv/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$PORT" --log-level warning --workers "$workers" \
      > "$work/peer.log" 2>&1) &
    peer=$!
    for _ in $(seq 1 60); do
      curl -sf "http://127.0.0.1:$PORT/collections/public.bench_peer_nearest" > /dev/null && break; sleep 1
    done
    curl -sf "http://127.0.0.1:$PORT/collections/public.bench_peer_nearest" > /dev/null \
      || { cat "$work/peer.log" >&2; stop "$peer"; peer=""; return 1; }
    HAVEN_BENCH_PATHS="$work/peer-paths.txt" wrk -t1 -c2 -d5s -s Benchmarks/search-load.lua "http://127.0.0.1:$PORT" > /dev/null
    for c in $CONNECTIONS; do
      echo "==> Python peer (tipg, $workers worker(s)): wrk, $c connections, $DURATION"
      HAVEN_BENCH_PATHS="$work/peer-paths.txt" wrk -t2 -c"$c" -d"$DURATION" -s Benchmarks/search-load.lua \
        "http://127.0.0.1:$PORT" | sed -n '/^requests/,$p' | tee "$work/peer.$workers.$c"
    done
    stop "$peer"; peer=""
  done
}
if [ "${PEER:-1}" = 1 ] && ! measure_peer; then
  rm -f "$work"/peer.*.*
  echo "==> the Python peer could not be installed or started (PEER=0 skips it): judged against the brief's figure" >&2
fi

# The issue's targets against this run's figures. The identical SQL is search.sql when the
# server ran no facts or details statements (see "server statements" above). When it ran some
# (a mix wider than its caches), each search ran between one and three statements, so the share
# is judged against search-request.sql, all three, and printed against search.sql too.
# Latency targets are judged on the server's figures (the brief: "at the server"), with wrk's,
# which add the load generator's share of the same two cores, printed beside them; when the
# server's could not be read, on wrk's.
echo "==> against the targets (HTTP throughput as a share of pgbench running the identical SQL in this run)"
for c in $CONNECTIONS; do
  identical=search.sql
  if [ -s "$work/statements.$c" ] && ! grep -q ' 0 facts, 0 details' "$work/statements.$c"; then
    identical=search-request.sql
  fi
  # Each peer run's throughput at this concurrency ("1 worker 505, 2 workers 842"), and the fastest.
  peers=$(for f in "$work"/peer.*."$c"; do [ -f "$f" ] || continue; w=${f#"$work"/peer.}; w=${w%%.*}
            awk -v w="$w" '/^throughput/ { printf "%s worker%s %.0f\n", w, w == 1 ? "" : "s", $2 }' "$f"; done)
  fastest_peer=$(printf '%s\n' "$peers" | awk '$3 > best { best = $3 } END { print best + 0 }')
  peers=$(printf '%s\n' "$peers" | paste -sd, - | sed 's/,/, /g')
  bare_throughput=$(awk '/^throughput/ { print $2 }' "$work/bare.$c" 2>/dev/null || true)
  awk -v c="$c" -v rss="$rss" -v peer="$fastest_peer" -v peers="$peers" -v identical="$identical" \
    -v counted="${statements:+yes}" -v bare="${bare_throughput:-0}" '
    FNR == 1 { file++ }
    file == 1 && /^requests/ { errors = $4 + $7 }
    file == 1 && /^throughput/ { http = $2 }
    file == 1 && /^p50/ { p50 = $2 }
    file == 1 && /^p99/ { p99 = $2 }
    file == 2 && /^tps/ { candidates = $3 }
    file == 3 && /^tps/ { request = $3 }
    file == 4 && /^server p50/ { server = 1; sp50 = $3; sp99 = $9 }
    file == 4 && /^within/ { w15 = $2; w5 = $3; w25 = $4 }
    function verdict(ok) { return ok ? "met" : "NOT met" }
    END {
      sql = identical == "search.sql" ? candidates : request
      share = sql > 0 ? 100 * http / sql : 0
      printf "%2d connections: %.0f req/s, %.0f%% of pgbench running %s (%.0f tps): %s", c, http, share, identical, sql,
        verdict(share >= 60)
      if (identical != "search.sql" && candidates > 0) printf " (%.0f%% of search.sql)", 100 * http / candidates
      # Without pg_stat_statements nothing says which statements the server ran: judged against
      # the faster SQL, the stricter reading, with the other beside it.
      if (counted == "" && request > 0)
        printf " (%.0f%% of search-request.sql; without pg_stat_statements the script cannot tell which the server ran)",
          100 * http / request
      # What the same stack reaches running the candidate statement alone bounds the share above.
      if (bare > 0 && candidates > 0)
        printf " (a bare server running only the candidate statement: %.0f req/s, %.0f%% of search.sql; Haven %.0f%% of it)",
          bare, 100 * bare / candidates, 100 * http / bare
      if (server && c == 4)
        printf "; at the server p50 %.2f ms (<= 1.5): %s, p99 %.2f ms (<= 5): %s (wrk p50 %.2f, p99 %.2f)",
          sp50, verdict(w15 >= 0.5), sp99, verdict(w5 >= 0.99), p50, p99
      else if (c == 4) printf "; p50 %.2f ms (<= 1.5): %s; p99 %.2f ms (<= 5): %s", p50, verdict(p50 <= 1.5), p99, verdict(p99 <= 5)
      if (server && c == 16)
        printf "; at the server p99 %.2f ms (<= 25): %s (wrk p99 %.2f)", sp99, verdict(w25 >= 0.99), p99
      else if (c == 16) printf "; p99 %.2f ms (<= 25): %s", p99, verdict(p99 <= 25)
      if (c == 16) printf "; errors %d: %s", errors, verdict(errors == 0)
      if (peer > 0) printf "; %.1fx the faster Python peer in this run (tipg: %s req/s; >= 3x): %s%s\n", http / peer, peers,
        verdict(http >= 3 * peer), (bare > 0 ? sprintf(" (the bare server %.1fx)", bare / peer) : "")
      else printf "; %.1f-%.1fx the Python peer (the brief: 600-700 req/s; >= 3x): %s\n", http / 700, http / 600, verdict(http >= 2100)
    }' "$work/http.$c" "$work/pgbench.$c.search.sql" "$work/pgbench.$c.search-request.sql" "$work/server.$c"
done
echo "server memory: $rss MB RSS (<= 200): $([ "$rss" -le 200 ] && echo met || echo NOT met)"

-- pgbench -M prepared: the statement GET /v1/search/services runs for its candidates
-- (SearchRepository.FindStatement: search_candidates, migrations 0013 and 0037) with the same arguments the
-- server passes, for a random request drawn from bench_queries, the mix the HTTP load replays.
\set q random(1, :requests)
SELECT c.*
FROM bench_queries b
CROSS JOIN LATERAL search_candidates(b.lon, b.lat, b.needs, b.box_lon, b.box_lat, 40000, 40, b.area_keys,
                                     b.area_depths, 365, NULL, false, false, NULL, NULL, true) c
WHERE b.id = :q;

-- pgbench -M prepared: the candidate query of GET /v1/search/services (SearchRepository.find,
-- its `near` part: KNN per need on search_points within the radius), for a random ZIP and need
-- drawn from bench_queries, the same request mix the HTTP load test replays.
\set q random(1, 2000)
SELECT k.service_id, k.meters
FROM bench_queries bq
CROSS JOIN LATERAL (
    SELECT sp.service_id, ST_Distance(sp.point::geography, bq.p) AS meters
    FROM search_points sp
    WHERE sp.need = bq.need
      AND sp.point && ST_Expand(bq.g, 0.36 / cos(radians(ST_Y(bq.g))), 0.36)
      AND ST_DWithin(sp.point::geography, bq.p, 40000, false)
    ORDER BY sp.point <-> bq.g
    LIMIT 100
) k
WHERE bq.id = :q;

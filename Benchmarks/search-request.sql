-- pgbench -M prepared: every statement GET /v1/search/services runs for one request whose
-- services and page the server has never met, in the server's order, with the arguments the
-- server passes, for a random request of the HTTP mix:
--   1. the candidates, as one row of columns (SearchRepository.FindStatement: search_candidates);
--   2. the facts of the candidates' services (SearchRepository.FactsStatement);
--   3. names, phones and addresses for the page the server showed (SearchRepository.DetailsStatement).
-- ZIP places, need labels and hours are cached by the server after their first use, and so is
-- the token check (CallerCache: checked again in the database every 30 s per token). Services'
-- facts and pages' details are kept too (SearchCaches), so a search among services and results
-- met before runs the first statement alone: that is search.sql. Keep this file in step with
-- those statements.
\set q random(1, :requests)
SELECT c.service_ids AS ids, c.distances_km, c.approximate, c.area_kinds, c.location_ids, c.schedule_keys, c.pool_cut
FROM bench_queries b
CROSS JOIN LATERAL search_candidates(b.lon, b.lat, b.needs, b.box_lon, b.box_lat, 40000, 40, b.area_keys,
                                     b.area_depths, 365, NULL, false, false, NULL, NULL, true) c
WHERE b.id = :q \gset
SELECT service_id, status, needs, audiences, languages, interpretation, minimum_age, maximum_age, free,
       last_verified_at
FROM search_services WHERE service_id = ANY(:ids::uuid[]);
SELECT f.service_id, f.name, f.organization_id, f.organization_name, f.url, f.phone, l.name,
       CASE WHEN l.confidential AND NOT :full_locations THEN NULL ELSE
           (SELECT ad.address_1 || ', ' || ad.city || ', ' || ad.state_province || ' ' || ad.postal_code
            FROM addresses ad WHERE ad.location_id = l.id ORDER BY ad.id LIMIT 1) END
FROM bench_queries b
CROSS JOIN LATERAL unnest(b.page_services, b.page_locations) AS page (service_id, location_id)
JOIN search_services f ON f.service_id = page.service_id
LEFT JOIN locations l ON l.id = page.location_id
WHERE b.id = :q;

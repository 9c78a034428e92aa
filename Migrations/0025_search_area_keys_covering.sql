-- Services reached by their service area are read best first on an index (migration 0023), and
-- each row read then took a trip to the table for its kind and facts: a buffer lookup and a page
-- visit per candidate, up to 40 per need and area key. The index now carries both, so the area
-- half of `search_candidates` reads the index alone wherever the table's pages are all-visible
-- (autovacuum marks them; `haven bench generate` vacuums its tables). Measured on the benchmark
-- data (1,000,000 services), pgbench -M prepared, 4 clients: the area half alone went from
-- 2,370-3,400 to 3,290-3,990 statements a second, the whole candidate statement from
-- 1,425-1,870 to 1,710-1,880.
--
-- Same keys and order as the index it replaces, so `search_candidates` needs no change.

CREATE INDEX search_area_keys_reading_idx ON search_area_keys (
    area_key, need, ((facts).always_open) DESC NULLS LAST, ((facts).last_verified_at) DESC NULLS LAST, service_id
) INCLUDE (kind, facts);

DROP INDEX search_area_keys_best_first_idx;

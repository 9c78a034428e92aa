-- The Python peer's query (run-search.sh, PEER=1): the brief's "nearest 20 within 25 km that meet
-- need N", as a function tipg serves as a collection
-- (/collections/public.bench_peer_nearest/items?need=&lon=&lat=). It reads Haven's own map of
-- points per need (search_points.keyed, migration 0021), so the peer gets the fastest index this
-- database has: measured alone in pgbench -M prepared with 4 clients, ~11,500 statements a second,
-- several times Haven's whole candidate statement. Only in haven_bench, never a migration.
--
-- plpgsql with its own settings, like search_candidates: as plain SQL it is inlined, and the
-- generic plan ANDs a bitmap of every row with the need (~80,000) with the box's, ~300 a second.
CREATE OR REPLACE FUNCTION bench_peer_nearest(need text, lon float8, lat float8)
RETURNS TABLE (service_id uuid, distance_m float8, geom geometry)
LANGUAGE plpgsql STABLE
SET enable_bitmapscan = off
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    here geometry := ST_SetSRID(ST_MakePoint(lon, lat), 4326);
    here_keyed geometry := search_need_keyed(need, ST_SetSRID(ST_MakePoint(lon, lat), 4326));
BEGIN
    RETURN QUERY
    SELECT p.service_id, ST_Distance(p.point::geography, here::geography), p.point
    FROM search_points p
    WHERE p.need = bench_peer_nearest.need
      AND p.keyed && ST_Expand(here_keyed, 25000 / (111320 * cos(radians(lat))), 25000 / 110574.0)
      AND ST_DWithin(p.point::geography, here::geography, 25000)
    ORDER BY p.keyed <-> here_keyed
    LIMIT 20;
END
$$;

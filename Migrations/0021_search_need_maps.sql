-- Nearest-first scans per need, each on a map of its own. The GiST index on (need, point) mixed
-- every need's points in its pages: finding the 40 nearest services with one need walked pages
-- full of other needs' points, and the first row alone took ~0.25 ms. Measured at 1,000,000
-- services with pgbench: in a prototype, the 40 nearest with one need went from ~2,900 to
-- ~8,000-9,200 a second once each need's points were moved to a region of the plane of their
-- own and indexed alone (a point-only GiST, which PostgreSQL also builds sorted, in seconds);
-- the whole candidate statement, with this migration, from ~1,230 to ~1,880-2,000.
--
-- `keyed` is the point moved to one of 64 x 64 regions of 400 by 200 degrees, chosen from the
-- need's code, so regions never overlap. Two needs may share a region; the scan still checks
-- the need, so such a pair is only slower, never wrong. More regions would not help: the index
-- keeps its boxes in single precision, and at 25,600 degrees from the origin that is already
-- ~200 m. Distances and the radius are still measured on `point`. A generated column, so every
-- writer of search rows keeps it right without knowing of it.

CREATE FUNCTION search_need_keyed(need text, point geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ST_Translate(ST_SetSRID(point, 0), (hashtext(need) & 63) * 400.0, ((hashtext(need) >> 6) & 63) * 200.0)
$$;

ALTER TABLE search_points ADD COLUMN keyed geometry GENERATED ALWAYS AS (search_need_keyed(need, point)) STORED;
DROP INDEX search_points_need_point_idx;
CREATE INDEX search_points_keyed_idx ON search_points USING gist (keyed);

-- 0020's candidates, with the nearest-first scan on `keyed`.
CREATE OR REPLACE FUNCTION search_candidates(
    longitude float8, latitude float8, wanted_needs text[], box_longitude float8, box_latitude float8,
    radius_meters float8, per_need int, area_keys text[], area_depths int[], stale_after_days int,
    free_text text, include_closed boolean, only_free boolean, wanted_language text, child_age int,
    include_stale boolean
) RETURNS TABLE (
    service_id uuid, distance_km float8, approximate boolean, area_kind text, location_id uuid, status text,
    needs text[], audiences text[], languages text[], interpretation boolean, minimum_age int, maximum_age int,
    free boolean, stale boolean, schedule_key bigint
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
-- Left to itself, the generic plan ANDs a bitmap of the need's rows with a bitmap of the box,
-- then sorts every point in the box: 167 statements a second in pgbench against 1,880.
SET enable_bitmapscan = off
-- The generic plan's estimated cost is high enough to compile it with LLVM on every call, ~40 ms.
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    here_g geometry := ST_SetSRID(ST_MakePoint(longitude, latitude), 4326);
    here_p geography := ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography;
    fresh_since timestamptz := now() - make_interval(days => stale_after_days);
BEGIN
    RETURN QUERY
    WITH wanted AS (
        SELECT unnest(wanted_needs) AS need
    ), near AS (
        SELECT DISTINCT ON (k.service_id) k.service_id, k.location_id, k.meters, k.approximate, k.facts
        FROM wanted w
        CROSS JOIN LATERAL (
            -- Planar KNN inside a box that holds the radius, on the need's own copy of the map
            -- (`keyed`), then the exact check on the sphere. Distances are on the sphere too:
            -- within 0.5% of the spheroid's, shown to 100 m, and measured 20-30% faster for the
            -- whole statement.
            SELECT sp.service_id, sp.location_id, sp.approximate, sp.facts,
                   ST_Distance(sp.point::geography, here_p, false) AS meters
            FROM search_points sp
            WHERE sp.keyed && ST_Expand(search_need_keyed(w.need, here_g), box_longitude, box_latitude)
              AND sp.need = w.need
              AND ST_DWithin(sp.point::geography, here_p, radius_meters, false)
              AND search_passes(sp.facts, include_closed, only_free, wanted_language, child_age, include_stale,
                                fresh_since)
            ORDER BY sp.keyed <-> search_need_keyed(w.need, here_g)
            LIMIT per_need
        ) k
        ORDER BY k.service_id, k.meters
    ), reached AS (
        -- Per need, the area keys most local first, each read in service order, until `per_need`
        -- are found. A nested loop keeps its outer order, so the scan stops as soon as enough
        -- are found instead of reading every national line.
        SELECT r.service_id, r.kind, r.depth, r.facts FROM wanted w
        CROSS JOIN LATERAL (
            SELECT a.service_id, a.kind, key.depth, a.facts
            FROM (SELECT * FROM unnest(area_keys || ARRAY['shape'], area_depths || ARRAY[2]) AS key (area_key, depth)
                  ORDER BY depth) key
            CROSS JOIN LATERAL (
                (SELECT a.service_id, a.kind, a.facts FROM search_area_keys a
                 WHERE key.area_key <> 'shape' AND a.area_key = key.area_key AND a.need = w.need
                   AND search_passes(a.facts, include_closed, only_free, wanted_language, child_age, include_stale,
                                     fresh_since)
                 ORDER BY a.service_id
                 LIMIT per_need)
                UNION ALL
                (SELECT sh.service_id, sh.kind, sh.facts FROM search_area_shapes sh
                 WHERE key.area_key = 'shape' AND sh.need = w.need AND sh.area && here_g
                   AND ST_Covers(sh.area::geography, here_p)
                   AND search_passes(sh.facts, include_closed, only_free, wanted_language, child_age, include_stale,
                                     fresh_since)
                 ORDER BY sh.service_id
                 LIMIT per_need)
            ) a
            LIMIT per_need
        ) r
    ), area AS (
        SELECT DISTINCT ON (reached.service_id) reached.service_id, reached.kind, reached.facts
        FROM reached ORDER BY reached.service_id, reached.depth
    ), candidates AS (
        SELECT COALESCE(near.service_id, area.service_id) AS service_id, near.location_id, near.meters,
               COALESCE(near.approximate, false) AS approximate, area.kind AS area_kind,
               COALESCE(near.facts, area.facts) AS facts
        FROM near FULL JOIN area ON area.service_id = near.service_id
    )
    SELECT c.service_id, c.meters / 1000.0, c.approximate, c.area_kind, c.location_id, (c.facts).status,
           (c.facts).needs, (c.facts).audiences, (c.facts).languages, (c.facts).interpretation,
           (c.facts).minimum_age, (c.facts).maximum_age, (c.facts).free,
           (c.facts).last_verified_at IS NULL OR (c.facts).last_verified_at < fresh_since, (c.facts).schedule_key
    FROM candidates c
    -- Free text runs on the geographic candidates only. Full-text search catches word forms;
    -- trigram word similarity (0.4) catches misspellings such as "councelling".
    WHERE free_text IS NULL
       OR EXISTS (SELECT 1 FROM search_services f
                  WHERE f.service_id = c.service_id
                    AND (to_tsvector('english', f.search_text) @@ websearch_to_tsquery('english', free_text)
                         OR word_similarity(free_text, f.search_text) >= 0.4));
END;
$$;

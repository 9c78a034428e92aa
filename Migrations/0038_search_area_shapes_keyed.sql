-- Drawn service areas get a map per need, as services' points did in migration 0021.
--
-- The shapes covering a family's point were found on a GiST index over (need, area): its pages
-- mix every need's shapes, so each need's lookup walked pages of other needs' areas, comparing
-- need codes as text on every entry, to find the three or so shapes that cover the point. On the
-- need's own region of the plane (`keyed`, a generated column like search_points'), the lookup
-- only meets its own need's shapes. The exact check on the sphere is unchanged.
--
-- `search_need_keyed` now moves a shape or point with integer arithmetic: `* 400.0` made each
-- call multiply in numeric and convert through text to float8, several times per search. The
-- offsets are whole numbers below 25,600 either way, so every stored `keyed` value, and the index
-- built on it, stays exactly as it was.
--
-- Measured on the benchmark data (1,000,000 services, 494,380 drawn areas), pgbench -M prepared,
-- 4 clients, 12 s runs alternated: the whole candidate statement went from 2,471-2,876 to
-- 2,790-3,085 statements a second with the shapes on `keyed` (both with the new arithmetic),
-- and the arithmetic alone gave another ~6% (2,558-2,758 to 2,756-2,902, in a prototype). The
-- migration took 13.5 s there.

CREATE OR REPLACE FUNCTION search_need_keyed(need text, point geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ST_Translate(ST_SetSRID(point, 0), ((hashtext(need) & 63) * 400)::float8,
                        (((hashtext(need) >> 6) & 63) * 200)::float8)
$$;

ALTER TABLE search_area_shapes ADD COLUMN keyed geometry GENERATED ALWAYS AS (search_need_keyed(need, area)) STORED;
CREATE INDEX search_area_shapes_keyed_idx ON search_area_shapes USING gist (keyed);
DROP INDEX search_area_shapes_need_area_idx;

-- 0037's candidates, with the drawn areas found on `keyed`.
CREATE OR REPLACE FUNCTION search_candidates(
    longitude float8, latitude float8, wanted_needs text[], box_longitude float8, box_latitude float8,
    radius_meters float8, per_need int, area_keys text[], area_depths int[], stale_after_days int,
    free_text text, include_closed boolean, only_free boolean, wanted_language text, child_age int,
    include_stale boolean
) RETURNS TABLE (
    service_ids uuid[], distances_km float8[], approximate boolean[], area_kinds text[], location_ids uuid[],
    schedule_keys bigint[], pool_cut boolean
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
SET enable_bitmapscan = off
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    here_g geometry := ST_SetSRID(ST_MakePoint(longitude, latitude), 4326);
    here_p geography := ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography;
    fresh_since timestamptz := now() - make_interval(days => stale_after_days);
    by_location bigint := search_schedule_key(search_hours_by_location());
BEGIN
    RETURN QUERY
    WITH wanted AS (
        SELECT unnest(wanted_needs) AS need
    ), near_rows AS (
        SELECT w.need, k.service_id, k.location_id, k.meters, k.approximate, k.schedule_key
        FROM wanted w
        CROSS JOIN LATERAL (
            -- Planar KNN inside a box that holds the radius, on the need's own copy of the map
            -- (`keyed`), then the exact check on the sphere. Distances are on the sphere too:
            -- within 0.5% of the spheroid's, shown to 100 m, and measured 20-30% faster for the
            -- whole statement.
            SELECT sp.service_id, sp.location_id, sp.approximate, (sp.facts).schedule_key,
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
    ), near AS (
        SELECT DISTINCT ON (n.service_id) n.service_id, n.location_id, n.meters, n.approximate, n.schedule_key
        FROM near_rows n
        ORDER BY n.service_id, n.meters
    ), reached AS (
        -- Per need, the area keys most local first, each read best first (open 24/7, then most
        -- recently verified), until `per_need` are found. A nested loop keeps its outer order, so
        -- the scan stops as soon as enough are found instead of reading every national line.
        SELECT w.need, r.service_id, r.kind, r.depth, r.schedule_key FROM wanted w
        CROSS JOIN LATERAL (
            SELECT a.service_id, a.kind, key.depth, a.schedule_key
            FROM (SELECT * FROM unnest(area_keys || ARRAY['shape'], area_depths || ARRAY[2]) AS key (area_key, depth)
                  ORDER BY depth) key
            CROSS JOIN LATERAL (
                (SELECT a.service_id, a.kind, (a.facts).schedule_key FROM search_area_keys a
                 WHERE key.area_key <> 'shape' AND a.area_key = key.area_key AND a.need = w.need
                   AND search_passes(a.facts, include_closed, only_free, wanted_language, child_age, include_stale,
                                     fresh_since)
                 ORDER BY (a.facts).always_open DESC NULLS LAST, (a.facts).last_verified_at DESC NULLS LAST,
                          a.service_id
                 LIMIT per_need)
                UNION ALL
                (SELECT sh.service_id, sh.kind, (sh.facts).schedule_key FROM search_area_shapes sh
                 WHERE key.area_key = 'shape' AND sh.keyed && search_need_keyed(w.need, here_g) AND sh.need = w.need
                   AND ST_Covers(sh.area::geography, here_p)
                   AND search_passes(sh.facts, include_closed, only_free, wanted_language, child_age, include_stale,
                                     fresh_since)
                 ORDER BY (sh.facts).always_open DESC NULLS LAST, (sh.facts).last_verified_at DESC NULLS LAST,
                          sh.service_id
                 LIMIT per_need)
            ) a
            LIMIT per_need
        ) r
    ), area AS (
        SELECT DISTINCT ON (reached.service_id) reached.service_id, reached.kind, reached.schedule_key
        FROM reached ORDER BY reached.service_id, reached.depth
    ), cut AS (
        -- Did any need's scan stop at its limit, with more perhaps behind it?
        SELECT EXISTS (SELECT 1 FROM near_rows GROUP BY near_rows.need HAVING count(*) >= per_need)
            OR EXISTS (SELECT 1 FROM reached GROUP BY reached.need HAVING count(*) >= per_need) AS pool_cut
    ), candidates AS (
        SELECT COALESCE(near.service_id, area.service_id) AS service_id, near.location_id, near.meters,
               COALESCE(near.approximate, false) AS approximate, area.kind AS area_kind,
               COALESCE(near.schedule_key, area.schedule_key) AS schedule_key
        FROM near FULL JOIN area ON area.service_id = near.service_id
    )
    -- One row of columns: the aggregates read the same rows in the same order, so the arrays
    -- line up, one position per candidate.
    SELECT array_agg(c.service_id), array_agg(c.meters / 1000.0), array_agg(c.approximate), array_agg(c.area_kind),
           array_agg(c.location_id),
           array_agg(CASE WHEN c.schedule_key = by_location
                          THEN (SELECT h.schedule_key FROM search_location_hours h
                                WHERE h.service_id = c.service_id AND h.location_id = c.location_id)
                          ELSE c.schedule_key END),
           (SELECT cut.pool_cut FROM cut)
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

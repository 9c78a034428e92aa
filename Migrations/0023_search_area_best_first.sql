-- Services reached by their service area were chosen in service-id order within each area key,
-- while ranking prefers what is open 24/7 and recently verified, and scores more local reach
-- higher (SearchScoring: ZIP, then drawn shapes, county, state, national). Measured on the
-- benchmark data (1,000,000 services; up to 1,800 national services under one need), a first
-- page from 40 candidates per need matched the page 200 per need gave in only 9% of 400
-- searches, most of the difference area-wide services that are open 24/7 and were never read.
-- Now each area key is read best first, on an index in that order, so the services the ranking
-- would put first are the ones read.
--
-- `always_open` joins the facts. Rows written before this migration lack it (NULL); the area
-- rows are rewritten here, the search points (millions of rows, and not ordered by it) pick it
-- up whenever their service is next refreshed.

ALTER TYPE search_facts ADD ATTRIBUTE always_open boolean;

CREATE OR REPLACE FUNCTION search_facts_of(f search_services) RETURNS search_facts
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ROW(f.status, f.needs, f.audiences, f.languages, f.interpretation, f.minimum_age, f.maximum_age, f.free,
               f.last_verified_at, search_schedule_key(f.schedule),
               COALESCE((f.schedule ->> 'open_24_7')::boolean, false))::search_facts
$$;

UPDATE search_area_keys a SET facts = search_facts_of(f) FROM search_services f WHERE f.service_id = a.service_id;
UPDATE search_area_shapes a SET facts = search_facts_of(f) FROM search_services f WHERE f.service_id = a.service_id;

CREATE INDEX search_area_keys_best_first_idx ON search_area_keys (
    area_key, need, ((facts).always_open) DESC NULLS LAST, ((facts).last_verified_at) DESC NULLS LAST, service_id
);

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
        -- Per need, the area keys most local first, each read best first (open 24/7, then most
        -- recently verified), until `per_need` are found. A nested loop keeps its outer order, so the scan stops as soon as enough
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
                 ORDER BY (a.facts).always_open DESC NULLS LAST, (a.facts).last_verified_at DESC NULLS LAST,
                          a.service_id
                 LIMIT per_need)
                UNION ALL
                (SELECT sh.service_id, sh.kind, sh.facts FROM search_area_shapes sh
                 WHERE key.area_key = 'shape' AND sh.need = w.need AND sh.area && here_g
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

-- Search's candidate query as a function, so PostgreSQL plans it once per connection. Measured at
-- 1,000,000 services: planning the statement took 2.7 ms on every request (PostgreSQL kept
-- choosing a custom plan), more than running it. The plan does not depend on the values
-- (nearest-first index scans per need, key lookups per area), so the generic plan is forced.
--
-- Candidates are the `per_need` nearest services per need within the radius that pass the
-- filters, plus at most `per_need` services per need whose service area covers the place, most
-- local first (ZIP, drawn shape, county, state, national). The filters are checked inside the
-- scans so a strict one (a rare language, a child's age) still finds the nearest that pass.
-- What a service must be to be a candidate; the search service checks the same rules again.
-- A one-expression SQL function, so PostgreSQL inlines it into each scan.
CREATE FUNCTION search_passes(
    f search_services, include_closed boolean, only_free boolean, wanted_language text, child_age int,
    include_stale boolean, fresh_since timestamptz
) RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT (include_closed OR f.status = 'active') AND (NOT only_free OR f.free)
       AND (wanted_language IS NULL OR f.interpretation OR wanted_language = ANY(f.languages))
       AND (child_age IS NULL OR child_age BETWEEN COALESCE(f.minimum_age, 0) AND COALESCE(f.maximum_age, 120))
       AND (include_stale OR f.last_verified_at >= fresh_since)
$$;

CREATE FUNCTION search_candidates(
    longitude float8, latitude float8, wanted_needs text[], box_longitude float8, box_latitude float8,
    radius_meters float8, per_need int, area_keys text[], area_depths int[], stale_after_days int,
    free_text text, include_closed boolean, only_free boolean, wanted_language text, child_age int,
    include_stale boolean
) RETURNS TABLE (
    service_id uuid, name text, organization_id uuid, organization_name text, status text, url text,
    phone text, distance_km float8, approximate boolean, area_kind text, location_id uuid, needs text[],
    audiences text[], languages text[], interpretation boolean, minimum_age int, maximum_age int,
    free boolean, stale boolean, schedule text
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
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
        SELECT DISTINCT ON (k.service_id) k.service_id, k.location_id, k.meters, k.approximate
        FROM wanted w
        CROSS JOIN LATERAL (
            -- Planar KNN inside a box that holds the radius, then the exact check on the sphere.
            SELECT sp.service_id, sp.location_id, sp.approximate, ST_Distance(sp.point::geography, here_p) AS meters
            FROM search_points sp JOIN search_services f ON f.service_id = sp.service_id
            WHERE sp.need = w.need AND sp.point && ST_Expand(here_g, box_longitude, box_latitude)
              AND ST_DWithin(sp.point::geography, here_p, radius_meters, false)
              AND search_passes(f, include_closed, only_free, wanted_language, child_age, include_stale, fresh_since)
            ORDER BY sp.point <-> here_g
            LIMIT per_need
        ) k
        ORDER BY k.service_id, k.meters
    ), reached AS (
        -- Per need, the area keys most local first (ZIP 1, drawn shapes 2, county 3, state 4,
        -- national 5), each read in service order, until `per_need` are found. There is no
        -- ORDER BY over the whole: a nested loop keeps its outer order, so the scan stops as
        -- soon as enough are found instead of reading every national line (measured: half the
        -- statement's time went to reading and sorting reaches it then threw away).
        SELECT r.service_id, r.kind, r.depth FROM wanted w
        CROSS JOIN LATERAL (
            SELECT a.service_id, a.kind, key.depth
            FROM (SELECT * FROM unnest(area_keys || ARRAY['shape'], area_depths || ARRAY[2]) AS key (area_key, depth)
                  ORDER BY depth) key
            CROSS JOIN LATERAL (
                (SELECT a.service_id, a.kind FROM search_area_keys a
                 JOIN search_services f ON f.service_id = a.service_id
                 WHERE key.area_key <> 'shape' AND a.area_key = key.area_key AND a.need = w.need
                   AND search_passes(f, include_closed, only_free, wanted_language, child_age, include_stale, fresh_since)
                 ORDER BY a.service_id
                 LIMIT per_need)
                UNION ALL
                (SELECT sh.service_id, sh.kind FROM search_area_shapes sh
                 JOIN search_services f ON f.service_id = sh.service_id
                 WHERE key.area_key = 'shape' AND sh.need = w.need AND sh.area && here_g
                   AND ST_Covers(sh.area::geography, here_p)
                   AND search_passes(f, include_closed, only_free, wanted_language, child_age, include_stale, fresh_since)
                 ORDER BY sh.service_id
                 LIMIT per_need)
            ) a
            LIMIT per_need
        ) r
    ), area AS (
        SELECT DISTINCT ON (reached.service_id) reached.service_id, reached.kind
        FROM reached ORDER BY reached.service_id, reached.depth
    ), candidates AS (
        SELECT COALESCE(near.service_id, area.service_id) AS service_id, near.location_id, near.meters,
               COALESCE(near.approximate, false) AS approximate, area.kind AS area_kind
        FROM near FULL JOIN area ON area.service_id = near.service_id
    )
    SELECT f.service_id, f.name, f.organization_id, f.organization_name, f.status, f.url, f.phone,
           c.meters / 1000.0, c.approximate, c.area_kind, c.location_id, f.needs, f.audiences, f.languages,
           f.interpretation, f.minimum_age, f.maximum_age, f.free,
           f.last_verified_at IS NULL OR f.last_verified_at < fresh_since, f.schedule::text
    FROM candidates c
    JOIN search_services f ON f.service_id = c.service_id
    -- Free text runs on the geographic candidates only. Full-text search catches word forms;
    -- trigram word similarity (0.4) catches misspellings such as "councelling".
    WHERE free_text IS NULL
       OR to_tsvector('english', f.search_text) @@ websearch_to_tsquery('english', free_text)
       OR word_similarity(free_text, f.search_text) >= 0.4;
END;
$$;

-- A service whose locations keep different hours is open when the office a family would go to
-- is open. Migration 0031 let search use location hours only when every location agreed, so a
-- service with a day office and an evening office, or with offices in two time zones keeping
-- the same local hours, was "hours not listed" and left out of every open-now search, against
-- the rule that hours are read in each location's own time zone.
--
-- Such a service's search row now carries a mark instead of hours (`search_hours_by_location`),
-- and each of its locations' hours are kept in `search_location_hours`. The candidate statement
-- reports, for a marked service, the hours of the location it found (the nearest); a marked
-- service reached only by its service area has no location, so its hours stay unknown. Only
-- marked services pay for the extra lookup: every other row compares one key.

CREATE TABLE search_location_hours (
    service_id uuid NOT NULL,
    location_id uuid NOT NULL,
    schedule jsonb NOT NULL,
    schedule_key bigint NOT NULL,
    PRIMARY KEY (service_id, location_id)
);

-- What a service's search row keeps as its hours when they are its locations' own.
CREATE FUNCTION search_hours_by_location() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{"by_location": true}'::jsonb $$;

CREATE OR REPLACE FUNCTION write_search_services(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- What search filters and ranks on, one row per service, so a query never gathers it from
    -- a dozen tables per candidate.
    DELETE FROM search_services WHERE service_id = ANY(ids);
    DELETE FROM search_location_hours WHERE service_id = ANY(ids);
    -- The hours of each location of a service without hours of its own: the service at that
    -- location's, else the location's.
    INSERT INTO search_location_hours (service_id, location_id, schedule, schedule_key)
    SELECT sal.service_id, sal.location_id, hours.schedule, search_schedule_key(hours.schedule)
    FROM services s
    JOIN service_at_locations sal ON sal.service_id = s.id
    CROSS JOIN LATERAL (
        SELECT COALESCE(search_schedule_json(NULL, NULL, sal.id, sal.location_id),
                        search_schedule_json(NULL, sal.location_id, NULL, sal.location_id)) AS schedule
    ) hours
    WHERE s.id = ANY(ids) AND s.retired_at IS NULL AND hours.schedule IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM schedules sc WHERE sc.service_id = s.id);
    INSERT INTO search_services (service_id, name, organization_id, organization_name, status, url, phone, needs,
                                 audiences, languages, interpretation, minimum_age, maximum_age, free,
                                 last_verified_at, schedule, search_text)
    SELECT s.id, s.name, o.id, o.name, s.status::text, s.url,
           (SELECT p.number FROM phones p WHERE p.service_id = s.id ORDER BY p.type, p.number LIMIT 1),
           ARRAY(SELECT t.code FROM attributes a JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                 WHERE a.link_entity = 'service' AND a.link_id = s.id AND a.link_type = 'need' ORDER BY t.code),
           ARRAY(SELECT t.code FROM attributes a JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                 WHERE a.link_entity = 'service' AND a.link_id = s.id AND a.link_type = 'audience' ORDER BY t.code),
           ARRAY(SELECT g.code FROM languages g WHERE g.service_id = s.id
                 UNION SELECT g.code FROM languages g JOIN service_at_locations sal ON sal.location_id = g.location_id
                       WHERE sal.service_id = s.id
                 UNION SELECT g.code FROM languages g JOIN phones p ON p.id = g.phone_id WHERE p.service_id = s.id),
           s.interpretation_services IS NOT NULL, s.minimum_age, s.maximum_age,
           EXISTS (SELECT 1 FROM cost_options co WHERE co.service_id = s.id AND (co.amount = 0 OR co.option ILIKE '%free%')),
           s.last_verified_at,
           COALESCE(
               search_schedule_json(s.id, NULL, NULL, NULL),
               -- Every location keeps the same hours: they are the service's, and hold wherever
               -- it is found, by an office or by its service area.
               (SELECT min(h.schedule::text)::jsonb
                FROM service_at_locations sal
                LEFT JOIN search_location_hours h ON h.service_id = sal.service_id AND h.location_id = sal.location_id
                WHERE sal.service_id = s.id
                HAVING count(*) > 0 AND count(h.schedule) = count(*) AND count(DISTINCT h.schedule::text) = 1),
               CASE WHEN EXISTS (SELECT 1 FROM search_location_hours h WHERE h.service_id = s.id)
                    THEN search_hours_by_location() END),
           s.name || ' ' || s.description || ' ' || COALESCE(
               (SELECT string_agg(t.name, ' ') FROM attributes a JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                WHERE a.link_entity = 'service' AND a.link_id = s.id), '')
    FROM services s JOIN organizations o ON o.id = s.organization_id
    WHERE s.id = ANY(ids) AND s.retired_at IS NULL;
    -- Only marked services' location hours are ever read.
    DELETE FROM search_location_hours h USING search_services f
    WHERE f.service_id = h.service_id AND f.service_id = ANY(ids) AND f.schedule <> search_hours_by_location();
END;
$$;

-- 0030's statement; the hours it reports for a marked service are those of the location found.
CREATE OR REPLACE FUNCTION search_candidates(
    longitude float8, latitude float8, wanted_needs text[], box_longitude float8, box_latitude float8,
    radius_meters float8, per_need int, area_keys text[], area_depths int[], stale_after_days int,
    free_text text, include_closed boolean, only_free boolean, wanted_language text, child_age int,
    include_stale boolean
) RETURNS TABLE (
    service_id uuid, distance_km float8, approximate boolean, area_kind text, location_id uuid, status text,
    needs text[], audiences text[], languages text[], interpretation boolean, minimum_age int, maximum_age int,
    free boolean, stale boolean, schedule_key bigint, pool_cut boolean
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
        SELECT w.need, k.service_id, k.location_id, k.meters, k.approximate, k.facts
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
    ), near AS (
        SELECT DISTINCT ON (n.service_id) n.service_id, n.location_id, n.meters, n.approximate, n.facts
        FROM near_rows n
        ORDER BY n.service_id, n.meters
    ), reached AS (
        -- Per need, the area keys most local first, each read best first (open 24/7, then most
        -- recently verified), until `per_need` are found. A nested loop keeps its outer order, so
        -- the scan stops as soon as enough are found instead of reading every national line.
        SELECT w.need, r.service_id, r.kind, r.depth, r.facts FROM wanted w
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
    ), cut AS (
        -- Did any need's scan stop at its limit, with more perhaps behind it?
        SELECT EXISTS (SELECT 1 FROM near_rows GROUP BY near_rows.need HAVING count(*) >= per_need)
            OR EXISTS (SELECT 1 FROM reached GROUP BY reached.need HAVING count(*) >= per_need) AS pool_cut
    ), candidates AS (
        SELECT COALESCE(near.service_id, area.service_id) AS service_id, near.location_id, near.meters,
               COALESCE(near.approximate, false) AS approximate, area.kind AS area_kind,
               COALESCE(near.facts, area.facts) AS facts
        FROM near FULL JOIN area ON area.service_id = near.service_id
    )
    SELECT c.service_id, c.meters / 1000.0, c.approximate, c.area_kind, c.location_id, (c.facts).status,
           (c.facts).needs, (c.facts).audiences, (c.facts).languages, (c.facts).interpretation,
           (c.facts).minimum_age, (c.facts).maximum_age, (c.facts).free,
           (c.facts).last_verified_at IS NULL OR (c.facts).last_verified_at < fresh_since,
           CASE WHEN (c.facts).schedule_key = by_location
                THEN (SELECT h.schedule_key FROM search_location_hours h
                      WHERE h.service_id = c.service_id AND h.location_id = c.location_id)
                ELSE (c.facts).schedule_key END,
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

-- Services whose locations keep hours and disagree (0031 left them with none).
SELECT refresh_search_services(ARRAY(
    SELECT f.service_id FROM search_services f
    WHERE f.schedule IS NULL
      AND EXISTS (SELECT 1 FROM service_at_locations sal
                  WHERE sal.service_id = f.service_id
                    AND (EXISTS (SELECT 1 FROM schedules sc WHERE sc.service_at_location_id = sal.id)
                         OR EXISTS (SELECT 1 FROM schedules sc WHERE sc.location_id = sal.location_id)))));

-- Every search point and area reach carries the facts search filters and ranks on, so finding
-- candidates never looks a service up. Measured at 1,000,000 services: of the ~800 buffer reads
-- of a one-need search, ~650 were `search_services` lookups (one per candidate inside each scan,
-- to filter, and one per candidate at the end, to rank), and the HTTP server then decoded names,
-- phones and hours for up to 160 candidates to show 20.
--
-- Now the scans return the facts with the rows they find; names, organizations, phones and
-- location details are read for the page only, after ranking. Hours travel as a key
-- (`schedule_key`, a hash of the schedule's JSON): most services share a few schedules, and the
-- server keeps decoded schedules by key, reading a schedule only the first time it meets it.
--
-- `write_search_services` (0010's `refresh_search_services`, renamed) writes one row of facts per
-- service. `refresh_search_services` writes them and copies them onto the service's search rows;
-- `refresh_services_search` rebuilds a service's search rows with the facts already on them.

CREATE TYPE search_facts AS (
    status text,
    needs text[],
    audiences text[],
    languages text[],
    interpretation boolean,
    minimum_age int,
    maximum_age int,
    free boolean,
    last_verified_at timestamptz,
    schedule_key bigint
);

-- The key the server knows a schedule by.
CREATE FUNCTION search_schedule_key(schedule jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT hashtextextended(schedule::text, 0) $$;

CREATE FUNCTION search_facts_of(f search_services) RETURNS search_facts
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ROW(f.status, f.needs, f.audiences, f.languages, f.interpretation, f.minimum_age, f.maximum_age, f.free,
               f.last_verified_at, search_schedule_key(f.schedule))::search_facts
$$;

-- search_points, rebuilt with its facts (an UPDATE of every row would rewrite it and its GiST
-- index row by row).
CREATE TABLE search_points_with_facts AS
SELECT sp.need, sp.service_id, sp.location_id, sp.point, sp.approximate, search_facts_of(f) AS facts
FROM search_points sp JOIN search_services f ON f.service_id = sp.service_id;
DROP TABLE search_points;
ALTER TABLE search_points_with_facts RENAME TO search_points;
ALTER TABLE search_points
    ALTER COLUMN need SET NOT NULL, ALTER COLUMN service_id SET NOT NULL, ALTER COLUMN location_id SET NOT NULL,
    ALTER COLUMN point SET NOT NULL, ALTER COLUMN approximate SET NOT NULL, ALTER COLUMN facts SET NOT NULL,
    ADD PRIMARY KEY (need, service_id, location_id),
    ADD FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE,
    ADD FOREIGN KEY (location_id) REFERENCES locations (id) ON DELETE CASCADE;
CREATE INDEX search_points_need_point_idx ON search_points USING gist (need, point);
CREATE INDEX search_points_service_idx ON search_points (service_id);

ALTER TABLE search_area_keys ADD COLUMN facts search_facts;
UPDATE search_area_keys a SET facts = search_facts_of(f) FROM search_services f WHERE f.service_id = a.service_id;
DELETE FROM search_area_keys WHERE facts IS NULL;
ALTER TABLE search_area_keys ALTER COLUMN facts SET NOT NULL;

ALTER TABLE search_area_shapes ADD COLUMN facts search_facts;
UPDATE search_area_shapes a SET facts = search_facts_of(f) FROM search_services f WHERE f.service_id = a.service_id;
DELETE FROM search_area_shapes WHERE facts IS NULL;
ALTER TABLE search_area_shapes ALTER COLUMN facts SET NOT NULL;

ALTER FUNCTION refresh_search_services(uuid[]) RENAME TO write_search_services;

-- The facts only (a verification, an organization's new name): written, then copied onto the
-- service's search rows where they changed.
CREATE FUNCTION refresh_search_services(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM write_search_services(ids);
    UPDATE search_points sp SET facts = search_facts_of(f) FROM search_services f
    WHERE f.service_id = sp.service_id AND sp.service_id = ANY(ids) AND sp.facts IS DISTINCT FROM search_facts_of(f);
    UPDATE search_area_keys a SET facts = search_facts_of(f) FROM search_services f
    WHERE f.service_id = a.service_id AND a.service_id = ANY(ids) AND a.facts IS DISTINCT FROM search_facts_of(f);
    UPDATE search_area_shapes a SET facts = search_facts_of(f) FROM search_services f
    WHERE f.service_id = a.service_id AND a.service_id = ANY(ids) AND a.facts IS DISTINCT FROM search_facts_of(f);
END;
$$;

-- 0019's rebuild, writing the facts first and carrying them onto each new row.
CREATE OR REPLACE FUNCTION refresh_services_search(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_points WHERE service_id = ANY(ids);
    DELETE FROM search_area_keys WHERE service_id = ANY(ids);
    DELETE FROM search_area_shapes WHERE service_id = ANY(ids);
    PERFORM write_search_services(ids);

    -- Each service's needs with every ancestor code, plus '*' for "any need", and its facts.
    CREATE TEMP TABLE IF NOT EXISTS refresh_needs (service_id uuid, need text) ON COMMIT DROP;
    TRUNCATE refresh_needs;
    INSERT INTO refresh_needs
    SELECT s.id, '*' FROM services s WHERE s.id = ANY(ids) AND s.retired_at IS NULL
    UNION
    SELECT a.link_id, array_to_string((string_to_array(t.code, '.'))[1:n], '.')
    FROM attributes a
    JOIN services s ON s.id = a.link_id AND s.retired_at IS NULL
    JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
    CROSS JOIN LATERAL generate_series(1, cardinality(string_to_array(t.code, '.'))) AS n
    WHERE a.link_entity = 'service' AND a.link_type = 'need' AND a.link_id = ANY(ids);
    CREATE TEMP TABLE IF NOT EXISTS refresh_facts (service_id uuid PRIMARY KEY, facts search_facts) ON COMMIT DROP;
    TRUNCATE refresh_facts;
    INSERT INTO refresh_facts SELECT f.service_id, search_facts_of(f) FROM search_services f WHERE f.service_id = ANY(ids);

    INSERT INTO search_points (need, service_id, location_id, point, approximate, facts)
    SELECT rn.need, rn.service_id, l.id,
           (CASE WHEN l.confidential THEN l.approximate_point ELSE l.point END)::geometry, l.confidential, rf.facts
    FROM refresh_needs rn
    JOIN refresh_facts rf ON rf.service_id = rn.service_id
    JOIN service_at_locations sal ON sal.service_id = rn.service_id
    JOIN locations l ON l.id = sal.location_id AND l.retired_at IS NULL AND l.point IS NOT NULL;

    INSERT INTO search_area_keys (area_key, need, service_id, kind, facts)
    SELECT DISTINCT ON (k.area_key, rn.need, rn.service_id) k.area_key, rn.need, rn.service_id, sa.kind::text, rf.facts
    FROM refresh_needs rn
    JOIN refresh_facts rf ON rf.service_id = rn.service_id
    JOIN service_areas sa ON sa.service_id = rn.service_id
    CROSS JOIN LATERAL (
        SELECT 'national' AS area_key WHERE sa.kind = 'national'
        UNION ALL SELECT 'state:' || s FROM unnest(sa.states) AS s WHERE sa.kind = 'state'
        UNION ALL SELECT 'county:' || c FROM unnest(sa.counties) AS c WHERE sa.kind = 'county'
        UNION ALL SELECT 'zip:' || z FROM unnest(sa.zip_codes) AS z WHERE sa.kind = 'zip'
    ) AS k
    ON CONFLICT DO NOTHING;

    INSERT INTO search_area_shapes (need, service_id, kind, area, facts)
    SELECT rn.need, rn.service_id, 'polygon', sa.area::geometry, rf.facts
    FROM refresh_needs rn
    JOIN refresh_facts rf ON rf.service_id = rn.service_id
    JOIN service_areas sa ON sa.service_id = rn.service_id AND sa.kind = 'polygon' AND sa.area IS NOT NULL;

    -- A radius area is a circle around each of the service's locations. A confidential
    -- location's circle is drawn around its approximate point: searches probing the edge of a
    -- circle drawn from the exact point could find the shelter.
    WITH circles AS MATERIALIZED (
        SELECT sa.service_id,
               ST_Buffer(CASE WHEN l.confidential THEN l.approximate_point ELSE l.point END, sa.radius_km * 1000)::geometry
                   AS area
        FROM service_areas sa
        JOIN service_at_locations sal ON sal.service_id = sa.service_id
        JOIN locations l ON l.id = sal.location_id AND l.retired_at IS NULL AND l.point IS NOT NULL
        WHERE sa.kind = 'radius' AND sa.service_id = ANY(ids))
    INSERT INTO search_area_shapes (need, service_id, kind, area, facts)
    SELECT rn.need, c.service_id, 'radius', c.area, rf.facts
    FROM circles c
    JOIN refresh_needs rn ON rn.service_id = c.service_id
    JOIN refresh_facts rf ON rf.service_id = c.service_id;
END;
$$;

DROP FUNCTION search_candidates(
    float8, float8, text[], float8, float8, float8, int, text[], int[], int, text, boolean, boolean, text, int, boolean);
DROP FUNCTION search_passes(search_services, boolean, boolean, text, int, boolean, timestamptz);

-- What a service must be to be a candidate at all; the search service checks the same rules
-- again. A one-expression SQL function, so PostgreSQL inlines it into each scan.
CREATE FUNCTION search_passes(
    f search_facts, include_closed boolean, only_free boolean, wanted_language text, child_age int,
    include_stale boolean, fresh_since timestamptz
) RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT (include_closed OR f.status = 'active') AND (NOT only_free OR f.free)
       AND (wanted_language IS NULL OR f.interpretation OR wanted_language = ANY(f.languages))
       AND (child_age IS NULL OR child_age BETWEEN COALESCE(f.minimum_age, 0) AND COALESCE(f.maximum_age, 120))
       AND (include_stale OR f.last_verified_at >= fresh_since)
$$;

-- 0013's candidates, answered from the search rows alone: per requested need the `per_need`
-- nearest services within the radius that pass the filters, and up to `per_need` whose service
-- area covers the place, most local first (ZIP 1, drawn shapes 2, county 3, state 4, national
-- 5), each with its facts. Planned once per connection (generic plan forced: the plan does not
-- depend on the values).
CREATE FUNCTION search_candidates(
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
            -- Planar KNN inside a box that holds the radius, then the exact check on the sphere.
            -- Distances are on the sphere too: within 0.5% of the spheroid's, shown to 100 m,
            -- and measured 20-30% faster for the whole statement.
            SELECT sp.service_id, sp.location_id, sp.approximate, sp.facts,
                   ST_Distance(sp.point::geography, here_p, false) AS meters
            FROM search_points sp
            WHERE sp.need = w.need AND sp.point && ST_Expand(here_g, box_longitude, box_latitude)
              AND ST_DWithin(sp.point::geography, here_p, radius_meters, false)
              AND search_passes(sp.facts, include_closed, only_free, wanted_language, child_age, include_stale,
                                fresh_since)
            ORDER BY sp.point <-> here_g
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

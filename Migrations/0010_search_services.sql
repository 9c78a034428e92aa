-- The facts search filters and ranks on, one row per service (status, needs, audiences,
-- languages, ages, cost, freshness, hours, text), kept by the same refresh as the search
-- points. Measured at 1,000,000 services: gathering them per candidate from the directory
-- tables held search to ~40 requests/s.
CREATE TABLE search_services (
    service_id uuid PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
    name text NOT NULL,
    organization_id uuid NOT NULL,
    organization_name text NOT NULL,
    status text NOT NULL,
    url text,
    phone text,
    needs text[] NOT NULL,
    audiences text[] NOT NULL,
    languages text[] NOT NULL,
    interpretation boolean NOT NULL,
    minimum_age integer,
    maximum_age integer,
    free boolean NOT NULL,
    last_verified_at timestamptz,
    schedule jsonb,
    search_text text NOT NULL
);

CREATE FUNCTION refresh_search_services(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- What search filters and ranks on, one row per service, so a query never gathers it from
    -- a dozen tables per candidate.
    DELETE FROM search_services WHERE service_id = ANY(ids);
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
           (SELECT jsonb_build_object(
                'time_zone', min(sc.time_zone), 'open_24_7', bool_or(sc.open_24_7),
                'hours', COALESCE(jsonb_agg(jsonb_build_object(
                             'byday', sc.byday, 'opens_at', to_char(sc.opens_at, 'HH24:MI'),
                             'closes_at', to_char(sc.closes_at, 'HH24:MI'))) FILTER (WHERE NOT sc.open_24_7), '[]'),
                'exceptions', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                   'starts_on', e.starts_on, 'ends_on', e.ends_on, 'closed', e.closed,
                                   'opens_at', to_char(e.opens_at, 'HH24:MI'), 'closes_at', to_char(e.closes_at, 'HH24:MI')))
                               FROM schedule_exceptions e WHERE e.service_id = s.id), '[]'))
            FROM schedules sc WHERE sc.service_id = s.id HAVING count(*) > 0),
           s.name || ' ' || s.description || ' ' || COALESCE(
               (SELECT string_agg(t.name, ' ') FROM attributes a JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                WHERE a.link_entity = 'service' AND a.link_id = s.id), '')
    FROM services s JOIN organizations o ON o.id = s.organization_id
    WHERE s.id = ANY(ids) AND s.retired_at IS NULL;
END;
$$;

CREATE OR REPLACE FUNCTION refresh_services_search(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_points WHERE service_id = ANY(ids);
    DELETE FROM search_area_keys WHERE service_id = ANY(ids);
    DELETE FROM search_area_shapes WHERE service_id = ANY(ids);

    -- Each service's needs with every ancestor code, plus '*' for "any need".
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

    INSERT INTO search_points (need, service_id, location_id, point, approximate)
    SELECT rn.need, rn.service_id, l.id,
           (CASE WHEN l.confidential THEN l.approximate_point ELSE l.point END)::geometry, l.confidential
    FROM refresh_needs rn
    JOIN service_at_locations sal ON sal.service_id = rn.service_id
    JOIN locations l ON l.id = sal.location_id AND l.retired_at IS NULL AND l.point IS NOT NULL;

    INSERT INTO search_area_keys (area_key, need, service_id, kind)
    SELECT DISTINCT k.area_key, rn.need, rn.service_id, sa.kind::text
    FROM refresh_needs rn
    JOIN service_areas sa ON sa.service_id = rn.service_id
    CROSS JOIN LATERAL (
        SELECT 'national' AS area_key WHERE sa.kind = 'national'
        UNION ALL SELECT 'state:' || s FROM unnest(sa.states) AS s WHERE sa.kind = 'state'
        UNION ALL SELECT 'county:' || c FROM unnest(sa.counties) AS c WHERE sa.kind = 'county'
        UNION ALL SELECT 'zip:' || z FROM unnest(sa.zip_codes) AS z WHERE sa.kind = 'zip'
    ) AS k
    ON CONFLICT DO NOTHING;

    INSERT INTO search_area_shapes (need, service_id, kind, area)
    SELECT rn.need, rn.service_id, 'polygon', sa.area
    FROM refresh_needs rn
    JOIN service_areas sa ON sa.service_id = rn.service_id AND sa.kind = 'polygon' AND sa.area IS NOT NULL;

    -- A radius area is a circle around each of the service's locations (from the exact point:
    -- the circle itself is never shown).
    INSERT INTO search_area_shapes (need, service_id, kind, area)
    SELECT rn.need, rn.service_id, 'radius', ST_Buffer(l.point, sa.radius_km * 1000)
    FROM refresh_needs rn
    JOIN service_areas sa ON sa.service_id = rn.service_id AND sa.kind = 'radius'
    JOIN service_at_locations sal ON sal.service_id = rn.service_id
    JOIN locations l ON l.id = sal.location_id AND l.retired_at IS NULL AND l.point IS NOT NULL;
    PERFORM refresh_search_services(ids);
END;
$$;

SELECT refresh_search_services(ARRAY(SELECT id FROM services));

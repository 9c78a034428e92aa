-- A radius area's circles are drawn once per location, not once per need of the service: a
-- service with five need codes (each with its ancestors, and '*') drew each circle five times.
-- Measured on 5,000 synthetic services: 0.5 s of a 3.7 s refresh, the bulk of it in `haven import
-- hsds` of a large package. Otherwise the function is 0012's.

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
    SELECT rn.need, rn.service_id, 'polygon', sa.area::geometry
    FROM refresh_needs rn
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
    INSERT INTO search_area_shapes (need, service_id, kind, area)
    SELECT rn.need, c.service_id, 'radius', c.area
    FROM circles c JOIN refresh_needs rn ON rn.service_id = c.service_id;
    PERFORM refresh_search_services(ids);
END;
$$;

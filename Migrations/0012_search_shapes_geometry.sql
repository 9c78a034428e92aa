-- Service-area shapes move to planar geometry, like the search points in 0008. Measured at
-- 1,000,000 services (494,000 radius circles): asking which shapes cover a point read 67 index
-- pages (0.45 ms) per need over geography and 16 pages (0.1 ms) over geometry. Coverage is still
-- decided on the sphere, for the few shapes the index returns.
DROP INDEX search_area_shapes_need_area_idx;
ALTER TABLE search_area_shapes ALTER COLUMN area TYPE geometry(Geometry, 4326) USING area::geometry;
CREATE INDEX search_area_shapes_need_area_idx ON search_area_shapes USING gist (need, area);

-- The refresh from 0010, writing geometry shapes, with confidential circles drawn around the
-- approximate point; the shapes already stored are redrawn.
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
    INSERT INTO search_area_shapes (need, service_id, kind, area)
    SELECT rn.need, rn.service_id, 'radius',
           ST_Buffer(CASE WHEN l.confidential THEN l.approximate_point ELSE l.point END, sa.radius_km * 1000)::geometry
    FROM refresh_needs rn
    JOIN service_areas sa ON sa.service_id = rn.service_id AND sa.kind = 'radius'
    JOIN service_at_locations sal ON sal.service_id = rn.service_id
    JOIN locations l ON l.id = sal.location_id AND l.retired_at IS NULL AND l.point IS NOT NULL;
    PERFORM refresh_search_services(ids);
END;
$$;

SELECT refresh_services_search(array_agg(DISTINCT s.service_id))
FROM service_areas s JOIN service_at_locations sal ON sal.service_id = s.service_id
JOIN locations l ON l.id = sal.location_id AND l.confidential
WHERE s.kind = 'radius';

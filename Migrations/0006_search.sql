-- Search: tables shaped for the two questions search asks, kept current by the database.
--
-- 1. "The nearest services that meet need N": one row per (need, service, location) with the
--    point to measure from, and a GiST index on (need, point) through btree_gist. A KNN scan
--    per requested need walks outwards from the family's point and stops after a few rows.
--    Each service need is stored with all its ancestors, so a parent code finds services
--    coded with its children; '*' stands for "any need".
-- 2. "Which services reach this place through a service area": keyed rows for national,
--    state, county and ZIP areas, and shapes (polygons, and radius areas drawn around each
--    location) with a GiST index on (need, area).
--
-- Confidential locations contribute their approximate point, never the exact one: a distance
-- computed from search data can never reveal where a shelter is.

CREATE TABLE search_points (
    need text NOT NULL,
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    location_id uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    point geography(Point, 4326) NOT NULL,
    approximate boolean NOT NULL,
    PRIMARY KEY (need, service_id, location_id)
);
CREATE INDEX search_points_need_point_idx ON search_points USING gist (need, point);
CREATE INDEX search_points_service_idx ON search_points (service_id);

CREATE TABLE search_area_keys (
    -- 'national', 'state:IL', 'county:IL:Cook County' or 'zip:60614'.
    area_key text NOT NULL,
    need text NOT NULL,
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    kind text NOT NULL,
    PRIMARY KEY (area_key, need, service_id)
);
CREATE INDEX search_area_keys_service_idx ON search_area_keys (service_id);

CREATE TABLE search_area_shapes (
    need text NOT NULL,
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    kind text NOT NULL,
    area geography NOT NULL
);
CREATE INDEX search_area_shapes_need_area_idx ON search_area_shapes USING gist (need, area);
CREATE INDEX search_area_shapes_service_idx ON search_area_shapes (service_id);

-- A service's needs with every ancestor code, plus '*'.
CREATE FUNCTION service_search_needs(service uuid) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT '*'
    UNION
    SELECT array_to_string((string_to_array(t.code, '.'))[1:n], '.')
    FROM attributes a
    JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
    JOIN taxonomies x ON x.id = t.taxonomy_id AND x.name = 'Haven needs'
    CROSS JOIN LATERAL generate_series(1, cardinality(string_to_array(t.code, '.'))) AS n
    WHERE a.link_entity = 'service' AND a.link_id = service
$$;

-- Rebuilds one service's search rows from the directory tables. Retired services have none.
CREATE FUNCTION refresh_service_search(service uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_points WHERE service_id = service;
    DELETE FROM search_area_keys WHERE service_id = service;
    DELETE FROM search_area_shapes WHERE service_id = service;
    IF NOT EXISTS (SELECT 1 FROM services WHERE id = service AND retired_at IS NULL) THEN
        RETURN;
    END IF;

    INSERT INTO search_points (need, service_id, location_id, point, approximate)
    SELECT n.need, service, l.id,
           CASE WHEN l.confidential THEN l.approximate_point ELSE l.point END, l.confidential
    FROM service_at_locations sal
    JOIN locations l ON l.id = sal.location_id AND l.retired_at IS NULL AND l.point IS NOT NULL
    CROSS JOIN service_search_needs(service) AS n (need)
    WHERE sal.service_id = service;

    INSERT INTO search_area_keys (area_key, need, service_id, kind)
    SELECT DISTINCT k.area_key, n.need, service, sa.kind::text
    FROM service_areas sa
    CROSS JOIN LATERAL (
        SELECT 'national' AS area_key WHERE sa.kind = 'national'
        UNION ALL SELECT 'state:' || s FROM unnest(sa.states) AS s WHERE sa.kind = 'state'
        UNION ALL SELECT 'county:' || c FROM unnest(sa.counties) AS c WHERE sa.kind = 'county'
        UNION ALL SELECT 'zip:' || z FROM unnest(sa.zip_codes) AS z WHERE sa.kind = 'zip'
    ) AS k
    CROSS JOIN service_search_needs(service) AS n (need)
    WHERE sa.service_id = service
    ON CONFLICT DO NOTHING;

    INSERT INTO search_area_shapes (need, service_id, kind, area)
    SELECT n.need, service, 'polygon', sa.area
    FROM service_areas sa CROSS JOIN service_search_needs(service) AS n (need)
    WHERE sa.service_id = service AND sa.kind = 'polygon' AND sa.area IS NOT NULL;

    -- A radius area is a circle around each of the service's locations (measured from the
    -- exact point: the circle itself is never shown).
    INSERT INTO search_area_shapes (need, service_id, kind, area)
    SELECT n.need, service, 'radius', ST_Buffer(l.point, sa.radius_km * 1000)
    FROM service_areas sa
    JOIN service_at_locations sal ON sal.service_id = service
    JOIN locations l ON l.id = sal.location_id AND l.retired_at IS NULL AND l.point IS NOT NULL
    CROSS JOIN service_search_needs(service) AS n (need)
    WHERE sa.service_id = service AND sa.kind = 'radius';
END;
$$;

-- Services already in the directory.
SELECT refresh_service_search(id) FROM services;

-- Taxonomy terms from other systems' HSDS packages (`haven import hsds`). HSDS makes a term's
-- code optional and free-form and knows no Spanish labels; Haven's own needs and audience
-- taxonomies keep their strict codes and both languages, which search and printed plans rely on.

ALTER TABLE taxonomy_terms
    DROP CONSTRAINT taxonomy_terms_code_check,
    ALTER COLUMN code DROP NOT NULL,
    ALTER COLUMN name_es DROP NOT NULL,
    ALTER COLUMN description_es DROP NOT NULL,
    ADD CONSTRAINT taxonomy_terms_haven_terms_check CHECK (
        taxonomy_id NOT IN ('6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0001', '6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0002')
        OR (code ~ '^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$'
            AND name_es IS NOT NULL AND description_es IS NOT NULL)
    );

-- A service area's extent given as GeoJSON, as Haven keeps it (a geography multipolygon), or
-- NULL when the text is not a GeoJSON polygon: the import reports the row instead of failing.
CREATE FUNCTION hsds_geojson_area(extent text) RETURNS geography
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    shape geometry;
BEGIN
    shape := ST_SetSRID(ST_GeomFromGeoJSON(extent), 4326);
    IF GeometryType(shape) NOT IN ('POLYGON', 'MULTIPOLYGON') OR NOT ST_IsValid(shape) THEN
        RETURN NULL;
    END IF;
    RETURN ST_Multi(shape)::geography;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END;
$$;

-- A service at a confidential location says nothing of where it is in the `/hsds` documents.
-- The location itself already showed no address, point, contacts or phones of its own, but the
-- service-at-location row beside it kept its description ("use the back door at …"), contacts
-- and phones, which partners' data packages often put there. They are now left out when the
-- location is confidential; its hours stay, as the location's own do.

CREATE FUNCTION hsds_location_is_confidential(location uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN COALESCE((SELECT l.confidential FROM locations l WHERE l.id = location), false);

CREATE OR REPLACE FUNCTION hsds_service_at_location_core(sal service_at_locations) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', sal.id, 'service_id', sal.service_id, 'location_id', sal.location_id,
    'description', CASE WHEN hsds_location_is_confidential(sal.location_id) THEN NULL ELSE sal.description END));

CREATE OR REPLACE FUNCTION hsds_service_at_location_parts(sal service_at_locations) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_service_at_location_core(sal) || jsonb_build_object(
    'contacts', COALESCE((SELECT jsonb_agg(hsds_contact(c) ORDER BY c.name, c.id)
                          FROM contacts c
                          WHERE c.service_at_location_id = sal.id
                            AND NOT hsds_location_is_confidential(sal.location_id)), '[]'),
    'phones', COALESCE((SELECT jsonb_agg(hsds_phone(p) ORDER BY p.type, p.number, p.id)
                        FROM phones p
                        WHERE p.service_at_location_id = sal.id
                          AND NOT hsds_location_is_confidential(sal.location_id)), '[]'),
    'schedules', COALESCE((SELECT jsonb_agg(hsds_schedule(sc) ORDER BY sc.byday, sc.opens_at, sc.id)
                           FROM schedules sc WHERE sc.service_at_location_id = sal.id), '[]'),
    'location', (SELECT hsds_location(l) FROM locations l WHERE l.id = sal.location_id),
    'attributes', hsds_attributes('service_at_location', sal.id));

-- HSDS 3.0 documents for the `/hsds` read API, built by the database so each endpoint is one
-- statement. Field names and nesting follow the official compiled schemas
-- (Seeds/hsds/schema/compiled); Haven's additions are the profile in docs/hsds-profile.md.
--
-- The documents are always the public view: a confidential location shows no address, point,
-- directions, accessibility notes, contacts or phones of its own; only the intake phone.

CREATE FUNCTION hsds_time(value time) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_char(value, 'HH24:MI:SS');

-- A stable id for the intake phone a confidential location shows in place of its own phones.
CREATE FUNCTION hsds_intake_phone_id(location uuid) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5('haven-intake-phone:' || location::text)::uuid;

CREATE FUNCTION hsds_taxonomy(x taxonomies) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', x.id, 'name', x.name, 'description', x.description, 'uri', x.uri, 'version', x.version));

CREATE FUNCTION hsds_taxonomy_term(t taxonomy_terms) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'id', t.id, 'code', t.code, 'name', t.name, 'description', t.description, 'parent_id', t.parent_id,
        'taxonomy', x.name, 'taxonomy_detail', hsds_taxonomy(x), 'language', t.language,
        'taxonomy_id', t.taxonomy_id, 'term_uri', t.term_uri,
        'name_es', t.name_es, 'description_es', t.description_es))
    FROM taxonomies x WHERE x.id = t.taxonomy_id);

CREATE FUNCTION hsds_attributes(entity text, link uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN COALESCE((
    SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'id', a.id, 'link_id', a.link_id, 'taxonomy_term_id', a.taxonomy_term_id, 'link_type', a.link_type,
               'link_entity', a.link_entity, 'value', a.value, 'taxonomy_term', hsds_taxonomy_term(t)))
               ORDER BY t.code, a.id)
    FROM attributes a JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
    WHERE a.link_entity = entity AND a.link_id = link), '[]');

CREATE FUNCTION hsds_language(g languages) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', g.id, 'service_id', g.service_id, 'location_id', g.location_id, 'phone_id', g.phone_id,
    'name', g.name, 'code', g.code, 'note', g.note));

CREATE FUNCTION hsds_phone(p phones) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', p.id, 'location_id', p.location_id, 'service_id', p.service_id, 'organization_id', p.organization_id,
    'contact_id', p.contact_id, 'service_at_location_id', p.service_at_location_id, 'number', p.number,
    'extension', p.extension, 'type', p.type, 'description', p.description,
    'languages', COALESCE((SELECT jsonb_agg(hsds_language(g) ORDER BY g.code, g.id)
                           FROM languages g WHERE g.phone_id = p.id), '[]')));

-- Haven's additions: `time_zone` (IANA) and `open_24_7`.
CREATE FUNCTION hsds_schedule(sc schedules) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', sc.id, 'service_id', sc.service_id, 'location_id', sc.location_id,
    'service_at_location_id', sc.service_at_location_id, 'valid_from', sc.valid_from, 'valid_to', sc.valid_to,
    'dtstart', sc.dtstart, 'timezone', sc.timezone, 'until', sc.until, 'count', sc.count, 'wkst', sc.wkst,
    'freq', sc.freq, 'interval', sc.interval, 'byday', sc.byday, 'byweekno', sc.byweekno,
    'bymonthday', sc.bymonthday, 'byyearday', sc.byyearday, 'description', sc.description,
    'opens_at', hsds_time(sc.opens_at), 'closes_at', hsds_time(sc.closes_at), 'schedule_link', sc.schedule_link,
    'attending_type', sc.attending_type, 'notes', sc.notes, 'time_zone', sc.time_zone, 'open_24_7', sc.open_24_7));

CREATE FUNCTION hsds_contact(c contacts) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', c.id, 'organization_id', c.organization_id, 'service_id', c.service_id,
    'service_at_location_id', c.service_at_location_id, 'location_id', c.location_id, 'name', c.name,
    'title', c.title, 'department', c.department, 'email', c.email,
    'phones', COALESCE((SELECT jsonb_agg(hsds_phone(p) ORDER BY p.type, p.number, p.id)
                        FROM phones p WHERE p.contact_id = c.id), '[]')));

-- One-to-one fields only, plus Haven's `confidential`, `time_zone` and freshness.
CREATE FUNCTION hsds_location_core(l locations) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(
    jsonb_build_object(
        'id', l.id, 'location_type', l.location_type, 'organization_id', l.organization_id, 'name', l.name,
        'alternate_name', l.alternate_name, 'confidential', l.confidential, 'time_zone', l.time_zone,
        'last_verified_at', haven_timestamp(l.last_verified_at), 'demo', l.demo)
    || CASE WHEN l.confidential THEN '{}'::jsonb ELSE jsonb_build_object(
        'url', l.url, 'description', l.description, 'transportation', l.transportation,
        'latitude', ST_Y(l.point::geometry), 'longitude', ST_X(l.point::geometry),
        'external_identifier', l.external_identifier, 'external_identifier_type', l.external_identifier_type) END);

CREATE FUNCTION hsds_location(l locations) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_location_core(l) || jsonb_build_object(
    'languages', COALESCE((SELECT jsonb_agg(hsds_language(g) ORDER BY g.code, g.id)
                           FROM languages g WHERE g.location_id = l.id), '[]'),
    'schedules', COALESCE((SELECT jsonb_agg(hsds_schedule(sc) ORDER BY sc.byday, sc.opens_at, sc.id)
                           FROM schedules sc WHERE sc.location_id = l.id), '[]'),
    'attributes', hsds_attributes('location', l.id))
|| CASE WHEN l.confidential THEN jsonb_build_object(
    'addresses', '[]'::jsonb, 'contacts', '[]'::jsonb, 'accessibility', '[]'::jsonb,
    'phones', jsonb_build_array(jsonb_build_object(
        'id', hsds_intake_phone_id(l.id), 'location_id', l.id, 'number', l.intake_phone, 'type', 'voice',
        'description', 'Intake line: call to be connected; the address is shared only by the service.',
        'languages', '[]'::jsonb)))
ELSE jsonb_build_object(
    'addresses', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                               'id', ad.id, 'location_id', ad.location_id, 'attention', ad.attention,
                               'address_1', ad.address_1, 'address_2', ad.address_2, 'city', ad.city,
                               'region', ad.region, 'state_province', ad.state_province,
                               'postal_code', ad.postal_code, 'country', ad.country,
                               'address_type', ad.address_type)) ORDER BY ad.id)
                           FROM addresses ad WHERE ad.location_id = l.id), '[]'),
    'contacts', COALESCE((SELECT jsonb_agg(hsds_contact(c) ORDER BY c.name, c.id)
                          FROM contacts c WHERE c.location_id = l.id), '[]'),
    'accessibility', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                   'id', a.id, 'location_id', a.location_id, 'description', a.description,
                                   'details', a.details, 'url', a.url)) ORDER BY a.id)
                               FROM accessibility a WHERE a.location_id = l.id), '[]'),
    'phones', COALESCE((SELECT jsonb_agg(hsds_phone(p) ORDER BY p.type, p.number, p.id)
                        FROM phones p WHERE p.location_id = l.id), '[]')) END;

CREATE FUNCTION hsds_organization_core(o organizations) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', o.id, 'name', o.name, 'alternate_name', o.alternate_name, 'description', o.description,
    'email', o.email, 'website', o.website, 'tax_status', o.tax_status, 'tax_id', o.tax_id,
    'year_incorporated', o.year_incorporated, 'legal_status', o.legal_status, 'logo', o.logo, 'uri', o.uri,
    'parent_organization_id', o.parent_organization_id,
    'last_verified_at', haven_timestamp(o.last_verified_at), 'demo', o.demo));

CREATE FUNCTION hsds_program(p programs) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', p.id, 'organization_id', p.organization_id, 'name', p.name, 'alternate_name', p.alternate_name,
    'description', p.description));

-- One-to-one fields plus Haven's freshness: when a curator last confirmed the service, who did,
-- and whether that is longer ago than the server's stale-after setting.
CREATE FUNCTION hsds_service_core(s services, stale_after_days integer) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', s.id, 'organization_id', s.organization_id, 'program_id', s.program_id, 'name', s.name,
    'alternate_name', s.alternate_name, 'description', s.description, 'url', s.url, 'email', s.email,
    'status', s.status, 'interpretation_services', s.interpretation_services,
    'application_process', s.application_process, 'fees_description', s.fees_description,
    'wait_time', s.wait_time, 'fees', s.fees, 'accreditations', s.accreditations,
    'eligibility_description', s.eligibility_description, 'minimum_age', s.minimum_age,
    'maximum_age', s.maximum_age, 'assured_date', s.assured_date, 'assurer_email', s.assurer_email,
    'licenses', s.licenses, 'alert', s.alert, 'last_modified', haven_timestamp(s.last_modified),
    'last_verified_at', haven_timestamp(s.last_verified_at), 'verified_by', s.verified_by,
    'stale', s.last_verified_at IS NULL OR s.last_verified_at < now() - make_interval(days => stale_after_days),
    'demo', s.demo));

-- A list item: the one-to-one fields with the organization and program.
CREATE FUNCTION hsds_service_item(s services, stale_after_days integer) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_service_core(s, stale_after_days) || jsonb_strip_nulls(jsonb_build_object(
    'organization', (SELECT hsds_organization_core(o) FROM organizations o WHERE o.id = s.organization_id),
    'program', (SELECT hsds_program(p) FROM programs p WHERE p.id = s.program_id)));

CREATE FUNCTION hsds_service_at_location_core(sal service_at_locations) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'id', sal.id, 'service_id', sal.service_id, 'location_id', sal.location_id, 'description', sal.description));

-- A service at a location with what belongs to it and its whole location, without the service.
CREATE FUNCTION hsds_service_at_location_parts(sal service_at_locations) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_service_at_location_core(sal) || jsonb_build_object(
    'contacts', COALESCE((SELECT jsonb_agg(hsds_contact(c) ORDER BY c.name, c.id)
                          FROM contacts c WHERE c.service_at_location_id = sal.id), '[]'),
    'phones', COALESCE((SELECT jsonb_agg(hsds_phone(p) ORDER BY p.type, p.number, p.id)
                        FROM phones p WHERE p.service_at_location_id = sal.id), '[]'),
    'schedules', COALESCE((SELECT jsonb_agg(hsds_schedule(sc) ORDER BY sc.byday, sc.opens_at, sc.id)
                           FROM schedules sc WHERE sc.service_at_location_id = sal.id), '[]'),
    'location', (SELECT hsds_location(l) FROM locations l WHERE l.id = sal.location_id),
    'attributes', hsds_attributes('service_at_location', sal.id));

-- The whole service. Haven's `schedule_exceptions` (holidays, closures, special hours) sit
-- beside the HSDS schedules.
CREATE FUNCTION hsds_service(s services, stale_after_days integer) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_service_item(s, stale_after_days) || jsonb_build_object(
    'phones', COALESCE((SELECT jsonb_agg(hsds_phone(p) ORDER BY p.type, p.number, p.id)
                        FROM phones p WHERE p.service_id = s.id), '[]'),
    'schedules', COALESCE((SELECT jsonb_agg(hsds_schedule(sc) ORDER BY sc.byday, sc.opens_at, sc.id)
                           FROM schedules sc WHERE sc.service_id = s.id), '[]'),
    'schedule_exceptions', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                         'id', e.id, 'starts_on', e.starts_on, 'ends_on', e.ends_on,
                                         'closed', e.closed, 'opens_at', hsds_time(e.opens_at),
                                         'closes_at', hsds_time(e.closes_at), 'reason', e.reason))
                                         ORDER BY e.starts_on, e.id)
                                     FROM schedule_exceptions e WHERE e.service_id = s.id), '[]'),
    'service_areas', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                   'id', sa.id, 'service_id', sa.service_id, 'name', sa.name,
                                   'description', sa.description, 'extent', sa.extent,
                                   'extent_type', sa.extent_type, 'uri', sa.uri, 'kind', sa.kind,
                                   'states', NULLIF(sa.states, '{}'), 'counties', NULLIF(sa.counties, '{}'),
                                   'zip_codes', NULLIF(sa.zip_codes, '{}'), 'radius_km', sa.radius_km))
                                   ORDER BY sa.kind, sa.id)
                               FROM service_areas sa WHERE sa.service_id = s.id), '[]'),
    'service_at_locations', COALESCE((SELECT jsonb_agg(hsds_service_at_location_parts(sal) ORDER BY sal.location_id)
                                      FROM service_at_locations sal JOIN locations l ON l.id = sal.location_id
                                      WHERE sal.service_id = s.id AND l.retired_at IS NULL), '[]'),
    'languages', COALESCE((SELECT jsonb_agg(hsds_language(g) ORDER BY g.code, g.id)
                           FROM languages g WHERE g.service_id = s.id), '[]'),
    'funding', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                             'id', f.id, 'organization_id', f.organization_id, 'service_id', f.service_id,
                             'source', f.source)) ORDER BY f.id)
                         FROM funding f WHERE f.service_id = s.id), '[]'),
    'cost_options', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                  'id', c.id, 'service_id', c.service_id, 'valid_from', c.valid_from,
                                  'valid_to', c.valid_to, 'option', c.option, 'currency', c.currency,
                                  'amount', c.amount, 'amount_description', c.amount_description))
                                  ORDER BY c.amount NULLS FIRST, c.option, c.id)
                              FROM cost_options c WHERE c.service_id = s.id), '[]'),
    'required_documents', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                        'id', d.id, 'service_id', d.service_id, 'document', d.document,
                                        'uri', d.uri)) ORDER BY d.document, d.id)
                                    FROM required_documents d WHERE d.service_id = s.id), '[]'),
    'contacts', COALESCE((SELECT jsonb_agg(hsds_contact(c) ORDER BY c.name, c.id)
                          FROM contacts c WHERE c.service_id = s.id), '[]'),
    'attributes', hsds_attributes('service', s.id));

-- A list item: the link with its location's one-to-one fields and the service as listed.
CREATE FUNCTION hsds_service_at_location_item(sal service_at_locations, stale_after_days integer) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_service_at_location_core(sal) || jsonb_build_object(
    'location', (SELECT hsds_location_core(l) FROM locations l WHERE l.id = sal.location_id),
    'service', (SELECT hsds_service_item(s, stale_after_days) FROM services s WHERE s.id = sal.service_id));

CREATE FUNCTION hsds_service_at_location(sal service_at_locations, stale_after_days integer) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_service_at_location_parts(sal) || jsonb_build_object(
    'service', (SELECT hsds_service(s, stale_after_days) - 'service_at_locations'
                FROM services s WHERE s.id = sal.service_id));

-- The whole organization; its services as list items, or whole with `full_service`.
CREATE FUNCTION hsds_organization(o organizations, full_service boolean, stale_after_days integer) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hsds_organization_core(o) || jsonb_build_object(
    'funding', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                             'id', f.id, 'organization_id', f.organization_id, 'service_id', f.service_id,
                             'source', f.source)) ORDER BY f.id)
                         FROM funding f WHERE f.organization_id = o.id), '[]'),
    'contacts', COALESCE((SELECT jsonb_agg(hsds_contact(c) ORDER BY c.name, c.id)
                          FROM contacts c WHERE c.organization_id = o.id), '[]'),
    'phones', COALESCE((SELECT jsonb_agg(hsds_phone(p) ORDER BY p.type, p.number, p.id)
                        FROM phones p WHERE p.organization_id = o.id), '[]'),
    'locations', COALESCE((SELECT jsonb_agg(hsds_location(l) ORDER BY l.id)
                           FROM locations l WHERE l.organization_id = o.id AND l.retired_at IS NULL), '[]'),
    'programs', COALESCE((SELECT jsonb_agg(hsds_program(p) ORDER BY p.name, p.id)
                          FROM programs p WHERE p.organization_id = o.id), '[]'),
    'organization_identifiers', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                              'id', i.id, 'organization_id', i.organization_id,
                                              'identifier_scheme', i.identifier_scheme,
                                              'identifier_type', i.identifier_type, 'identifier', i.identifier))
                                              ORDER BY i.identifier_type, i.id)
                                          FROM organization_identifiers i WHERE i.organization_id = o.id), '[]'),
    'attributes', hsds_attributes('organization', o.id),
    'services', COALESCE((SELECT jsonb_agg(CASE WHEN full_service THEN hsds_service(s, stale_after_days)
                                                ELSE hsds_service_core(s, stale_after_days) END ORDER BY s.id)
                          FROM services s WHERE s.organization_id = o.id AND s.retired_at IS NULL), '[]'));

-- Free-text search over the same text Haven's own search ranks on.
CREATE INDEX search_services_text_idx ON search_services USING gin (to_tsvector('english', search_text));
-- The children the documents gather by their other owners; most rows have none of these.
CREATE INDEX phones_organization_idx ON phones (organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX phones_contact_idx ON phones (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX phones_service_at_location_idx ON phones (service_at_location_id)
    WHERE service_at_location_id IS NOT NULL;
CREATE INDEX contacts_organization_idx ON contacts (organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX contacts_location_idx ON contacts (location_id) WHERE location_id IS NOT NULL;
CREATE INDEX contacts_service_at_location_idx ON contacts (service_at_location_id)
    WHERE service_at_location_id IS NOT NULL;
CREATE INDEX schedules_service_at_location_idx ON schedules (service_at_location_id)
    WHERE service_at_location_id IS NOT NULL;
CREATE INDEX funding_service_idx ON funding (service_id) WHERE service_id IS NOT NULL;
CREATE INDEX funding_organization_idx ON funding (organization_id) WHERE organization_id IS NOT NULL;
-- `modified_after`.
CREATE INDEX services_last_modified_idx ON services (last_modified);

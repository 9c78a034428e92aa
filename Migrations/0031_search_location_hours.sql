-- Hours kept on a service's locations count for search. HSDS lets a data package publish hours
-- on the service, on a location, or on the service at one location, and Haven's location API
-- takes a location's hours too; search read only the service's own, so a service whose hours
-- were published with its office was "hours not listed" and left out of every open-now search.
--
-- A service's hours for search are now its own; else, when every location it is offered at has
-- hours (the service-at-location's, else the location's) and they are all the same, those. A
-- service whose locations keep different hours still counts as hours unknown: search keeps one
-- schedule per service.

-- The hours of one owner as search keeps them (0010's shape): schedules of the service, the
-- location or the service at a location, and the dated exceptions of the service or location.
CREATE FUNCTION search_schedule_json(
    of_service uuid, of_location uuid, of_service_at_location uuid, exceptions_of_location uuid
) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
        'time_zone', min(sc.time_zone), 'open_24_7', bool_or(sc.open_24_7),
        'hours', COALESCE(jsonb_agg(jsonb_build_object(
                     'byday', sc.byday, 'opens_at', to_char(sc.opens_at, 'HH24:MI'),
                     'closes_at', to_char(sc.closes_at, 'HH24:MI'))) FILTER (WHERE NOT sc.open_24_7), '[]'),
        'exceptions', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                           'starts_on', e.starts_on, 'ends_on', e.ends_on, 'closed', e.closed,
                           'opens_at', to_char(e.opens_at, 'HH24:MI'), 'closes_at', to_char(e.closes_at, 'HH24:MI')))
                       FROM schedule_exceptions e
                       WHERE e.service_id = of_service OR e.location_id = exceptions_of_location), '[]'))
    FROM schedules sc
    WHERE sc.service_id = of_service OR sc.location_id = of_location
       OR sc.service_at_location_id = of_service_at_location
    HAVING count(*) > 0
$$;

CREATE OR REPLACE FUNCTION write_search_services(ids uuid[]) RETURNS void
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
           COALESCE(
               search_schedule_json(s.id, NULL, NULL, NULL),
               (SELECT min(hours::text)::jsonb
                FROM (SELECT COALESCE(search_schedule_json(NULL, NULL, sal.id, sal.location_id),
                                      search_schedule_json(NULL, sal.location_id, NULL, sal.location_id)) AS hours
                      FROM service_at_locations sal WHERE sal.service_id = s.id) at_locations
                HAVING count(*) > 0 AND count(hours) = count(*) AND count(DISTINCT hours::text) = 1)),
           s.name || ' ' || s.description || ' ' || COALESCE(
               (SELECT string_agg(t.name, ' ') FROM attributes a JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                WHERE a.link_entity = 'service' AND a.link_id = s.id), '')
    FROM services s JOIN organizations o ON o.id = s.organization_id
    WHERE s.id = ANY(ids) AND s.retired_at IS NULL;
END;
$$;

-- Services whose hours only their locations kept.
SELECT refresh_search_services(ARRAY(
    SELECT DISTINCT sal.service_id FROM service_at_locations sal
    WHERE NOT EXISTS (SELECT 1 FROM schedules sc WHERE sc.service_id = sal.service_id)
      AND EXISTS (SELECT 1 FROM schedules sc
                  WHERE sc.service_at_location_id = sal.id OR sc.location_id = sal.location_id)));

-- HSDS attributes point at any record through (link_entity, link_id), which no foreign key can
-- express. Removing a record removes its attributes too, so nothing is left pointing at it
-- (e.g. after `haven seed --remove-demo`).

CREATE FUNCTION delete_linked_attributes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM attributes WHERE link_entity = TG_ARGV[0] AND link_id = OLD.id;
    RETURN OLD;
END;
$$;

CREATE TRIGGER services_delete_attributes AFTER DELETE ON services
    FOR EACH ROW EXECUTE FUNCTION delete_linked_attributes('service');
CREATE TRIGGER locations_delete_attributes AFTER DELETE ON locations
    FOR EACH ROW EXECUTE FUNCTION delete_linked_attributes('location');
CREATE TRIGGER organizations_delete_attributes AFTER DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION delete_linked_attributes('organization');

-- Attributes already left behind by removed records.
DELETE FROM attributes a
WHERE (a.link_entity = 'service' AND NOT EXISTS (SELECT 1 FROM services s WHERE s.id = a.link_id))
   OR (a.link_entity = 'location' AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.id = a.link_id))
   OR (a.link_entity = 'organization' AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = a.link_id));

-- When a service's documents last changed in Haven, for partners who sync with
-- `/hsds/services?modified_after=…`. `last_modified` cannot serve: an import keeps the
-- source's own stamp (often older than the day Haven received it), and a change to something
-- nested in the service (a phone, hours, one of its locations, its organization) leaves it as
-- it was. Every change to a service's documents moves its version (its ETag), so the stamp
-- follows the version, and retirement, here in the database, whichever path wrote them.

ALTER TABLE services ADD COLUMN changed_at timestamptz;
UPDATE services SET changed_at = COALESCE(retired_at, last_modified, now());
ALTER TABLE services ALTER COLUMN changed_at SET DEFAULT now(), ALTER COLUMN changed_at SET NOT NULL;
CREATE INDEX services_changed_at_idx ON services (changed_at);

CREATE FUNCTION stamp_service_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER services_changed_at BEFORE UPDATE OF version, retired_at ON services
FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version OR OLD.retired_at IS DISTINCT FROM NEW.retired_at)
EXECUTE FUNCTION stamp_service_change();

-- The services whose documents show a changed location or organization: a new version, so a
-- client holding the old ETag reads them again, and a new `changed_at` for syncs.
CREATE FUNCTION touch_services(ids uuid[], modified boolean) RETURNS void
LANGUAGE sql AS $$
    UPDATE services
    SET version = version + 1, last_modified = CASE WHEN modified THEN now() ELSE last_modified END
    WHERE id = ANY(ids) AND retired_at IS NULL;
$$;

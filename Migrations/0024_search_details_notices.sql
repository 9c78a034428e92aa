-- A notice on the channel `haven_directory` whenever something a search result shows may have
-- changed: a service's name, organization, website or phone (kept in `search_services`), a
-- location's name or confidentiality, or an address. Servers keep the names, phones and addresses
-- of results they have shown and drop them all on this notice, so an edit made anywhere (the API,
-- an import, `haven` on the database, a second server) shows in the next search after it commits,
-- and an address made confidential is hidden at once. PostgreSQL sends a notice only when its
-- transaction commits and folds a transaction's duplicates into one, and the triggers run once
-- per statement, so a bulk import costs a handful of notices.

CREATE FUNCTION haven_notify_directory_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('haven_directory', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

CREATE TRIGGER search_services_shown_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_services
FOR EACH STATEMENT EXECUTE FUNCTION haven_notify_directory_change();

CREATE TRIGGER locations_shown_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON locations
FOR EACH STATEMENT EXECUTE FUNCTION haven_notify_directory_change();

CREATE TRIGGER addresses_shown_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON addresses
FOR EACH STATEMENT EXECUTE FUNCTION haven_notify_directory_change();

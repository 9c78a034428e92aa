-- A notice on the channel `haven_access` whenever something that decides who a token speaks for
-- changes: a token's hash, owner, expiry or revocation, or anything about a user (role,
-- organization, disabled). Servers keep recent answers of the token check in memory and drop
-- them all on this notice, so a revocation made anywhere (the API, `haven` on the database, a
-- second server) reaches every server as soon as it commits. PostgreSQL sends a notice only
-- when its transaction commits, and folds a transaction's duplicates into one.
--
-- The columns listed for `api_tokens` are the ones the token check reads, except
-- `last_used_at`: the check itself writes that one, and a notice for it would empty every
-- server's memory once a minute per token for nothing.

CREATE FUNCTION haven_notify_access_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('haven_access', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_tokens_access_changed
AFTER UPDATE OF token_hash, user_id, expires_at, revoked_at ON api_tokens
FOR EACH STATEMENT EXECUTE FUNCTION haven_notify_access_change();

CREATE TRIGGER api_tokens_access_removed
AFTER DELETE OR TRUNCATE ON api_tokens
FOR EACH STATEMENT EXECUTE FUNCTION haven_notify_access_change();

CREATE TRIGGER users_access_changed
AFTER UPDATE OR DELETE OR TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION haven_notify_access_change();

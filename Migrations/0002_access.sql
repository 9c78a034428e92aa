-- Access: organizations, users with roles, API tokens, and the append-only audit log.

-- Organizations that Haven's users belong to. The directory work extends this table with the
-- HSDS organization fields; partner users belong to a directory organization.
CREATE TABLE organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE user_role AS ENUM ('admin', 'curator', 'coordinator', 'advocate', 'partner');

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role user_role NOT NULL,
    organization_id uuid REFERENCES organizations (id),
    -- Set when an admin disables the user; every token of the user stops working at once.
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- A partner acts for one organization; without one it could be scoped to nothing.
    CHECK (role <> 'partner' OR organization_id IS NOT NULL)
);
CREATE INDEX users_organization_idx ON users (organization_id);

CREATE TABLE api_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- SHA-256 of the whole secret. The secret itself is shown once and never stored; the hash
    -- is looked up through the unique index, so no secret is ever compared byte by byte.
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TYPE audit_outcome AS ENUM ('allowed', 'denied', 'failed');

-- Append-only: who did (or tried) what to which record, when and from where. Rows are chained:
-- each hash covers the row and the previous row's hash, so an edited or removed row breaks the
-- chain (`haven audit verify`).
CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
    user_id uuid,
    token_id uuid,
    role text,
    action text NOT NULL,
    record_type text,
    record_id text,
    outcome audit_outcome NOT NULL,
    request_id text,
    client_address text,
    previous_hash bytea,
    hash bytea NOT NULL
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, seq);
CREATE INDEX audit_log_record_idx ON audit_log (record_type, record_id, seq);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at);

-- The digest of one row given the previous row's hash. The same function computes hashes on
-- insert and recomputes them in `haven audit verify`, so the two cannot disagree on encoding.
CREATE FUNCTION audit_row_digest(
    previous_hash bytea, seq bigint, occurred_at timestamptz, user_id uuid, token_id uuid,
    role text, action text, record_type text, record_id text, outcome audit_outcome,
    request_id text, client_address text
) RETURNS bytea
LANGUAGE sql STABLE
AS $$
    SELECT sha256(
        coalesce(previous_hash, '\x'::bytea)
        || convert_to(
            concat_ws(E'\x1f',
                seq::text,
                to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                coalesce(user_id::text, ''), coalesce(token_id::text, ''), coalesce(role, ''),
                action, coalesce(record_type, ''), coalesce(record_id, ''), outcome::text,
                coalesce(request_id, ''), coalesce(client_address, '')),
            'UTF8')
    )
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    last_row record;
BEGIN
    -- One writer at a time extends the chain; the lock lasts until the inserting transaction
    -- ends, so the next writer sees this row as the last one.
    PERFORM pg_advisory_xact_lock(7365726165);
    SELECT a.seq, a.hash INTO last_row FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
    NEW.seq := coalesce(last_row.seq, 0) + 1;
    NEW.occurred_at := date_trunc('milliseconds', coalesce(NEW.occurred_at, clock_timestamp()));
    NEW.previous_hash := last_row.hash;
    NEW.hash := audit_row_digest(
        NEW.previous_hash, NEW.seq, NEW.occurred_at, NEW.user_id, NEW.token_id, NEW.role,
        NEW.action, NEW.record_type, NEW.record_id, NEW.outcome, NEW.request_id, NEW.client_address);
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

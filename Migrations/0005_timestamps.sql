-- One text form for instants in JSON documents built by the database: UTC, whole seconds,
-- RFC 3339 (`2026-11-21T15:00:00Z`), the form the API's clients parse.
CREATE FUNCTION haven_timestamp(value timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');

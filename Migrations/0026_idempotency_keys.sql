-- A POST that carries an `Idempotency-Key` header claims the key here before it runs, and keeps
-- its answer once it succeeds: a client that lost the answer (a dropped connection, a timeout)
-- and sends the same request again gets the first answer back instead of a second family,
-- plan or referral. Keys belong to a user, and live for 24 hours.
--
-- The kept answer can hold confidential fields (a family's safe contact, a plan), so its body is
-- sealed like every other protected field (`response_body`, FieldCipher, bound to the row's id).

CREATE TABLE idempotency_keys (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    operation text NOT NULL,
    -- SHA-256 of the operation, path, query and body: the same key sent with another request is
    -- refused rather than answered with the first request's result.
    fingerprint bytea NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- NULL while the first request is still running.
    response_status int CHECK (response_status BETWEEN 200 AND 299),
    response_headers jsonb,
    response_body bytea,
    UNIQUE (user_id, key),
    CHECK ((response_status IS NULL) = (response_body IS NULL))
);

-- Expired keys are deleted a batch at a time, oldest first, as new ones are claimed.
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

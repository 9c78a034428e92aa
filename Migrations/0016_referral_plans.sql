-- Referral plans: the rest of the family record, consents, versioned plans, referrals and
-- follow-ups.
--
-- Everything personal is sealed by the server (AES-GCM, bound to table, column and row): the
-- family's children and safe-contact preferences, who gave a consent, and each plan version.
-- What stays in plain columns is what the database must filter or join on.

-- Children's ages and safe-contact preferences (channels, safe times, phone, email, safe word).
ALTER TABLE families ADD COLUMN details bytea;
ALTER TABLE families ADD COLUMN wants_mentor boolean NOT NULL DEFAULT false;

CREATE TABLE consents (
    id uuid PRIMARY KEY,
    family_id uuid NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    recipient_organization_id uuid NOT NULL REFERENCES organizations (id),
    given_by bytea NOT NULL,
    relationship text NOT NULL,
    purposes text[] NOT NULL CHECK (cardinality(purposes) > 0),
    categories text[] NOT NULL CHECK (cardinality(categories) > 0),
    given_at timestamptz NOT NULL,
    -- The last day it counts, in the family's time zone: a consent always ends.
    expires_on date NOT NULL,
    recorded_by uuid REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_by uuid REFERENCES users (id)
);
CREATE INDEX consents_family_idx ON consents (family_id, recipient_organization_id);

CREATE TABLE plans (
    id uuid PRIMARY KEY,
    family_id uuid NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    version integer NOT NULL DEFAULT 1,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plans_family_idx ON plans (family_id, created_at);

-- Every saved change is a new row; earlier versions stay readable.
-- Its own id, because sealed values are bound to a row id (and key rotation walks by id).
CREATE TABLE plan_versions (
    id uuid PRIMARY KEY,
    plan_id uuid NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    version integer NOT NULL,
    content bytea NOT NULL,
    saved_by uuid REFERENCES users (id),
    saved_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (plan_id, version)
);

-- A referral's words live in the plan versions; its lifecycle lives here, where the recipient
-- organization can find the referrals addressed to it.
CREATE TABLE referrals (
    id uuid PRIMARY KEY,
    plan_id uuid NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    family_id uuid NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    service_id uuid NOT NULL REFERENCES services (id),
    recipient_organization_id uuid NOT NULL REFERENCES organizations (id),
    handoff text NOT NULL CHECK (handoff IN ('warm', 'self-referral')),
    shares text[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'connected', 'closed', 'withdrawn')),
    -- Still in the plan's current version; a draft removed from the plan is deleted instead.
    in_plan boolean NOT NULL DEFAULT true,
    consent_id uuid REFERENCES consents (id),
    decline_reason text,
    outcome text,
    sent_at timestamptz,
    answered_at timestamptz,
    connected_at timestamptz,
    closed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX referrals_plan_idx ON referrals (plan_id);
CREATE INDEX referrals_recipient_idx ON referrals (recipient_organization_id, sent_at) WHERE status <> 'draft';
CREATE INDEX referrals_organization_idx ON referrals (organization_id, updated_at);

-- The current version's follow-ups, for "what is due" across an organization's families.
CREATE TABLE follow_ups (
    id uuid PRIMARY KEY,
    plan_id uuid NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    referral_id uuid REFERENCES referrals (id) ON DELETE CASCADE,
    family_id uuid NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    due_at timestamptz NOT NULL,
    channel text NOT NULL
);
CREATE INDEX follow_ups_due_idx ON follow_ups (organization_id, due_at);

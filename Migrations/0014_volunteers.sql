-- The peer-support roster: volunteer mentors (restricted tier) and their credentials.
--
-- A volunteer's name and contact channels are sealed by the server (AES-GCM, bound to this table,
-- column and row; see docs/security.md) and stored as bytes: the database never sees them. What
-- matching needs (home ZIP, languages, lived experience, hours, capacity) stays in plain columns
-- so it can be queried.
CREATE TABLE volunteers (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    name bytea NOT NULL,
    contacts bytea NOT NULL,
    home_zip text NOT NULL CHECK (home_zip ~ '^[0-9]{5}$'),
    languages text[] NOT NULL DEFAULT '{}',
    lived_experience text[] NOT NULL DEFAULT '{}',
    age_bands text[] NOT NULL DEFAULT '{}',
    gender text CHECK (gender IN ('woman', 'man', 'nonbinary')),
    -- [{"byday": "MO,WE", "opens_at": "18:00", "closes_at": "21:00"}] in the home ZIP's time zone.
    availability jsonb NOT NULL DEFAULT '[]',
    -- [{"starts_on": "2026-12-20", "ends_on": "2027-01-03"}]
    away jsonb NOT NULL DEFAULT '[]',
    capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 10),
    status text NOT NULL CHECK (status IN ('onboarding', 'active', 'paused', 'retired')),
    demo boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volunteers_organization_idx ON volunteers (organization_id, id);

-- Training completions and background checks. Eligibility is computed from these dates when it
-- is asked for, so a lapsed check stops counting the day after it expires with no job to run.
CREATE TABLE volunteer_credentials (
    id uuid PRIMARY KEY,
    volunteer_id uuid NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('training', 'background-check')),
    name text NOT NULL,
    issued_on date NOT NULL,
    expires_on date CHECK (expires_on >= issued_on),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by uuid REFERENCES users (id),
    CHECK (kind <> 'background-check' OR expires_on IS NOT NULL)
);
CREATE INDEX volunteer_credentials_volunteer_idx ON volunteer_credentials (volunteer_id);
CREATE INDEX volunteer_credentials_expiry_idx ON volunteer_credentials (expires_on) WHERE expires_on IS NOT NULL;

-- Families waiting for a peer mentor, and the matches coordinators make.
--
-- A family record is confidential: owned by the advocate's organization, its pseudonymous
-- reference sealed by the server like a volunteer's name. The referral-plans work adds the rest
-- of the record (children, safe-contact preferences, consent).
CREATE TABLE families (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    reference bytea NOT NULL,
    home_zip text NOT NULL CHECK (home_zip ~ '^[0-9]{5}$'),
    languages text[] NOT NULL DEFAULT '{}',
    situations text[] NOT NULL DEFAULT '{}',
    child_age_band text CHECK (child_age_band IN ('0-5', '6-11', '12-14', '15-17', '18-20')),
    needs text[] NOT NULL DEFAULT '{}',
    preferred_mentor_gender text CHECK (preferred_mentor_gender IN ('woman', 'man', 'nonbinary')),
    same_language_required boolean NOT NULL DEFAULT false,
    same_situation_preferred boolean NOT NULL DEFAULT true,
    -- [{"byday": "MO,TU", "opens_at": "17:00", "closes_at": "20:00"}] in the home ZIP's time zone.
    contact_hours jsonb NOT NULL DEFAULT '[]',
    demo boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX families_organization_idx ON families (organization_id, id);

-- A family's request for a mentor: the waiting list is the requests still waiting, oldest first.
CREATE TABLE mentor_requests (
    id uuid PRIMARY KEY,
    family_id uuid NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL CHECK (status IN ('waiting', 'matched', 'withdrawn')),
    requested_by uuid REFERENCES users (id)
);
-- One waiting request per family.
CREATE UNIQUE INDEX mentor_requests_waiting_idx ON mentor_requests (family_id) WHERE status = 'waiting';
CREATE INDEX mentor_requests_queue_idx ON mentor_requests (requested_at) WHERE status = 'waiting';

-- Proposed, accepted and active matches hold a place in the volunteer's capacity; a family has
-- at most one of them at a time.
CREATE TABLE mentor_matches (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES mentor_requests (id) ON DELETE CASCADE,
    family_id uuid NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    volunteer_id uuid NOT NULL REFERENCES volunteers (id),
    status text NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'active', 'closed')),
    score numeric(4, 2) NOT NULL,
    reasons text[] NOT NULL DEFAULT '{}',
    decline_reason text,
    outcome text,
    proposed_at timestamptz NOT NULL DEFAULT now(),
    proposed_by uuid REFERENCES users (id),
    accepted_at timestamptz,
    activated_at timestamptz,
    declined_at timestamptz,
    closed_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX mentor_matches_open_family_idx ON mentor_matches (family_id)
    WHERE status IN ('proposed', 'accepted', 'active');
CREATE INDEX mentor_matches_open_volunteer_idx ON mentor_matches (volunteer_id)
    WHERE status IN ('proposed', 'accepted', 'active');
CREATE INDEX mentor_matches_volunteer_idx ON mentor_matches (volunteer_id, proposed_at);

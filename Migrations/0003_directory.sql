-- Directory: the HSDS 3.0 catalog (organizations, services, locations and what hangs off them),
-- Haven's extensions for families of missing and exploited children (status, freshness,
-- evaluable schedules, service-area kinds, eligibility, confidential locations), crisis
-- contacts, the taxonomies and the ZIP reference table.
--
-- Column names follow HSDS 3.0 (schema files in ../shared/hsds/schema). Haven's own columns are
-- documented in docs/directory.md. Every curated record carries:
--   demo              fictional demo data, removed exactly by `haven seed --remove-demo`;
--   last_verified_at  when a curator last confirmed it; stale after HAVEN_STALE_AFTER_DAYS;
--   verified_by       who confirmed it (a user's name or a source);
--   version           bumps on every change; the ETag of the record;
--   retired_at        retired records stay for history but leave the directory.

-- ZIP reference ---------------------------------------------------------------------------------

CREATE TABLE zip_codes (
    zip char(5) PRIMARY KEY CHECK (zip ~ '^[0-9]{5}$'),
    kind text NOT NULL,
    city text NOT NULL,
    state char(2) NOT NULL,
    county text,
    time_zone text NOT NULL,
    point geography(Point, 4326) NOT NULL,
    active boolean NOT NULL
);
CREATE INDEX zip_codes_point_idx ON zip_codes USING gist (point);
CREATE INDEX zip_codes_state_county_idx ON zip_codes (state, county);

-- Taxonomies ------------------------------------------------------------------------------------

CREATE TABLE taxonomies (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL,
    uri text,
    version text
);

CREATE TABLE taxonomy_terms (
    id uuid PRIMARY KEY,
    taxonomy_id uuid NOT NULL REFERENCES taxonomies (id),
    code text NOT NULL CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$'),
    name text NOT NULL,
    description text NOT NULL,
    -- Haven keeps Spanish beside English on one term, so a family's plan can be printed in either.
    name_es text NOT NULL,
    description_es text NOT NULL,
    parent_id uuid REFERENCES taxonomy_terms (id),
    language text NOT NULL DEFAULT 'en',
    term_uri text,
    position integer NOT NULL DEFAULT 0,
    UNIQUE (taxonomy_id, code)
);
CREATE INDEX taxonomy_terms_parent_idx ON taxonomy_terms (parent_id);

-- Organizations (extends the access layer's table: users belong to directory organizations) -----

ALTER TABLE organizations
    ADD COLUMN alternate_name text,
    ADD COLUMN description text NOT NULL DEFAULT '',
    ADD COLUMN email text,
    ADD COLUMN website text,
    ADD COLUMN tax_status text,
    ADD COLUMN tax_id text,
    ADD COLUMN year_incorporated integer CHECK (year_incorporated BETWEEN 1600 AND 2200),
    ADD COLUMN legal_status text,
    ADD COLUMN logo text,
    ADD COLUMN uri text,
    ADD COLUMN parent_organization_id uuid REFERENCES organizations (id),
    ADD COLUMN demo boolean NOT NULL DEFAULT false,
    ADD COLUMN last_verified_at timestamptz,
    ADD COLUMN verified_by text,
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN retired_at timestamptz;

CREATE TABLE organization_identifiers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    identifier_scheme text,
    identifier_type text NOT NULL,
    identifier text NOT NULL
);
CREATE INDEX organization_identifiers_organization_idx ON organization_identifiers (organization_id);

CREATE TABLE programs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL,
    alternate_name text,
    description text NOT NULL DEFAULT ''
);
CREATE INDEX programs_organization_idx ON programs (organization_id);

-- Services --------------------------------------------------------------------------------------

CREATE TYPE service_status AS ENUM ('active', 'inactive', 'defunct', 'temporarily closed');

CREATE TABLE services (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    program_id uuid REFERENCES programs (id) ON DELETE SET NULL,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    alternate_name text,
    description text NOT NULL DEFAULT '',
    url text,
    email text,
    status service_status NOT NULL DEFAULT 'active',
    interpretation_services text,
    application_process text,
    fees_description text,
    wait_time text,
    fees text,
    accreditations text,
    eligibility_description text,
    minimum_age integer CHECK (minimum_age BETWEEN 0 AND 120),
    maximum_age integer CHECK (maximum_age BETWEEN 0 AND 120),
    assured_date date,
    assurer_email text,
    licenses text,
    alert text,
    last_modified timestamptz NOT NULL DEFAULT now(),
    demo boolean NOT NULL DEFAULT false,
    last_verified_at timestamptz,
    verified_by text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    CHECK (minimum_age IS NULL OR maximum_age IS NULL OR minimum_age <= maximum_age)
);
CREATE INDEX services_organization_idx ON services (organization_id);
CREATE INDEX services_name_trgm_idx ON services USING gin (name gin_trgm_ops);

-- Locations -------------------------------------------------------------------------------------

CREATE TYPE location_type AS ENUM ('physical', 'postal', 'virtual');

CREATE TABLE locations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    location_type location_type NOT NULL DEFAULT 'physical',
    url text,
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    name text,
    alternate_name text,
    description text,
    transportation text,
    -- The exact point. For a confidential location only curators and admins ever see it.
    point geography(Point, 4326),
    -- What everyone else sees of a confidential location: a point a few kilometres off (the
    -- ZIP centroid), used for approximate distances, and a phone for intake.
    confidential boolean NOT NULL DEFAULT false,
    approximate_point geography(Point, 4326),
    intake_phone text,
    -- IANA zone of the place, for its opening hours.
    time_zone text,
    external_identifier text,
    external_identifier_type text,
    demo boolean NOT NULL DEFAULT false,
    last_verified_at timestamptz,
    verified_by text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    CHECK (location_type = 'virtual' OR point IS NOT NULL),
    CHECK (NOT confidential OR (approximate_point IS NOT NULL AND intake_phone IS NOT NULL))
);
CREATE INDEX locations_point_idx ON locations USING gist (point);
CREATE INDEX locations_organization_idx ON locations (organization_id);
CREATE INDEX locations_confidential_idx ON locations (id) WHERE confidential;

CREATE TABLE service_at_locations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    location_id uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    description text,
    UNIQUE (service_id, location_id)
);
CREATE INDEX service_at_locations_location_idx ON service_at_locations (location_id);

CREATE TYPE address_type AS ENUM ('physical', 'postal', 'virtual');

CREATE TABLE addresses (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    location_id uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    attention text,
    address_1 text NOT NULL,
    address_2 text,
    city text NOT NULL,
    region text,
    state_province text NOT NULL,
    postal_code text NOT NULL,
    country char(2) NOT NULL DEFAULT 'US',
    address_type address_type NOT NULL DEFAULT 'physical'
);
CREATE INDEX addresses_location_idx ON addresses (location_id);

CREATE TABLE accessibility (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    location_id uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    description text,
    details text,
    url text
);
CREATE INDEX accessibility_location_idx ON accessibility (location_id);

-- Things that hang off organizations, services and locations ------------------------------------

CREATE TABLE contacts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    service_id uuid REFERENCES services (id) ON DELETE CASCADE,
    service_at_location_id uuid REFERENCES service_at_locations (id) ON DELETE CASCADE,
    location_id uuid REFERENCES locations (id) ON DELETE CASCADE,
    name text,
    title text,
    department text,
    email text
);
CREATE INDEX contacts_service_idx ON contacts (service_id);

CREATE TABLE phones (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    location_id uuid REFERENCES locations (id) ON DELETE CASCADE,
    service_id uuid REFERENCES services (id) ON DELETE CASCADE,
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    contact_id uuid REFERENCES contacts (id) ON DELETE CASCADE,
    service_at_location_id uuid REFERENCES service_at_locations (id) ON DELETE CASCADE,
    number text NOT NULL,
    extension integer,
    type text,
    description text
);
CREATE INDEX phones_service_idx ON phones (service_id);
CREATE INDEX phones_location_idx ON phones (location_id);

-- ISO 639 codes: a service, a location or a phone offers the language.
CREATE TABLE languages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid REFERENCES services (id) ON DELETE CASCADE,
    location_id uuid REFERENCES locations (id) ON DELETE CASCADE,
    phone_id uuid REFERENCES phones (id) ON DELETE CASCADE,
    name text,
    code text NOT NULL CHECK (code ~ '^[a-z]{2,3}$'),
    note text,
    CHECK (num_nonnulls(service_id, location_id, phone_id) = 1)
);
CREATE INDEX languages_service_idx ON languages (service_id);
CREATE INDEX languages_location_idx ON languages (location_id);

CREATE TABLE cost_options (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    valid_from date,
    valid_to date,
    option text,
    currency char(3),
    amount numeric(12, 2) CHECK (amount >= 0),
    amount_description text
);
CREATE INDEX cost_options_service_idx ON cost_options (service_id);

CREATE TABLE required_documents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    document text,
    uri text
);
CREATE INDEX required_documents_service_idx ON required_documents (service_id);

CREATE TABLE funding (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    service_id uuid REFERENCES services (id) ON DELETE CASCADE,
    source text
);

-- HSDS attributes link a taxonomy term to any record: a service's needs and audiences are
-- attributes with link_entity 'service'.
CREATE TABLE attributes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    link_id uuid NOT NULL,
    taxonomy_term_id uuid NOT NULL REFERENCES taxonomy_terms (id),
    link_type text,
    link_entity text NOT NULL,
    value text,
    UNIQUE (link_entity, link_id, taxonomy_term_id)
);
CREATE INDEX attributes_term_idx ON attributes (taxonomy_term_id, link_entity);

-- Crisis contacts -------------------------------------------------------------------------------

CREATE TYPE coverage_kind AS ENUM ('national', 'state', 'county', 'zip');

CREATE TABLE crisis_contacts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- A stable, readable key (e.g. `988-lifeline`), as in the source list.
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text NOT NULL,
    operator text,
    url text,
    audience text,
    what_to_expect text,
    confidentiality text,
    law_enforcement text,
    coverage coverage_kind NOT NULL DEFAULT 'national',
    states text[] NOT NULL DEFAULT '{}',
    -- "IL:Cook County": state code and county name, as in the ZIP table.
    counties text[] NOT NULL DEFAULT '{}',
    zip_codes text[] NOT NULL DEFAULT '{}',
    source_url text,
    verified_on date,
    demo boolean NOT NULL DEFAULT false,
    last_verified_at timestamptz,
    verified_by text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    CHECK (
        (coverage = 'national')
        OR (coverage = 'state' AND cardinality(states) > 0)
        OR (coverage = 'county' AND cardinality(counties) > 0)
        OR (coverage = 'zip' AND cardinality(zip_codes) > 0)
    )
);
CREATE INDEX crisis_contacts_states_idx ON crisis_contacts USING gin (states);
CREATE INDEX crisis_contacts_counties_idx ON crisis_contacts USING gin (counties);
CREATE INDEX crisis_contacts_zip_codes_idx ON crisis_contacts USING gin (zip_codes);

CREATE TYPE crisis_channel_kind AS ENUM ('voice', 'sms', 'chat', 'web_report');

CREATE TABLE crisis_channels (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    crisis_contact_id uuid NOT NULL REFERENCES crisis_contacts (id) ON DELETE CASCADE,
    position integer NOT NULL DEFAULT 0,
    channel crisis_channel_kind NOT NULL,
    -- The channel's own name where it differs from the contact's (e.g. TrevorText).
    label text,
    -- A phone number (E.164), an SMS short code or number, or a URL.
    value text NOT NULL,
    keyword text,
    -- The hours as the source states them; the schedule rows make them evaluable.
    hours_note text,
    languages text[] NOT NULL DEFAULT '{}',
    interpretation boolean NOT NULL DEFAULT false,
    language_note text,
    what_to_expect text
);
CREATE INDEX crisis_channels_contact_idx ON crisis_channels (crisis_contact_id, position);

-- Schedules -------------------------------------------------------------------------------------

-- HSDS weekly rows (freq WEEKLY, byday, opens_at, closes_at) with Haven's additions: the IANA
-- time zone of the hours and a 24/7 marker. One owner per row.
CREATE TABLE schedules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid REFERENCES services (id) ON DELETE CASCADE,
    location_id uuid REFERENCES locations (id) ON DELETE CASCADE,
    service_at_location_id uuid REFERENCES service_at_locations (id) ON DELETE CASCADE,
    crisis_channel_id uuid REFERENCES crisis_channels (id) ON DELETE CASCADE,
    valid_from date,
    valid_to date,
    dtstart date,
    timezone numeric,
    until date,
    count integer,
    wkst text,
    freq text CHECK (freq IN ('WEEKLY', 'MONTHLY')),
    interval integer,
    byday text,
    byweekno text,
    bymonthday text,
    byyearday text,
    description text,
    opens_at time,
    closes_at time,
    schedule_link text,
    attending_type text,
    notes text,
    time_zone text NOT NULL,
    open_24_7 boolean NOT NULL DEFAULT false,
    CHECK (num_nonnulls(service_id, location_id, service_at_location_id, crisis_channel_id) = 1),
    CHECK (open_24_7 OR (byday IS NOT NULL AND opens_at IS NOT NULL AND closes_at IS NOT NULL))
);
CREATE INDEX schedules_service_idx ON schedules (service_id);
CREATE INDEX schedules_location_idx ON schedules (location_id);
CREATE INDEX schedules_crisis_channel_idx ON schedules (crisis_channel_id);

-- Dated exceptions to the weekly hours: a holiday, a temporary closure, or special hours.
CREATE TABLE schedule_exceptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid REFERENCES services (id) ON DELETE CASCADE,
    location_id uuid REFERENCES locations (id) ON DELETE CASCADE,
    crisis_channel_id uuid REFERENCES crisis_channels (id) ON DELETE CASCADE,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    closed boolean NOT NULL DEFAULT true,
    opens_at time,
    closes_at time,
    reason text,
    CHECK (num_nonnulls(service_id, location_id, crisis_channel_id) = 1),
    CHECK (starts_on <= ends_on),
    CHECK (closed OR (opens_at IS NOT NULL AND closes_at IS NOT NULL))
);
CREATE INDEX schedule_exceptions_service_idx ON schedule_exceptions (service_id);
CREATE INDEX schedule_exceptions_location_idx ON schedule_exceptions (location_id);

-- Service areas ---------------------------------------------------------------------------------

CREATE TYPE service_area_kind AS ENUM ('national', 'state', 'county', 'zip', 'radius', 'polygon');

CREATE TABLE service_areas (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    name text,
    description text,
    extent text,
    extent_type text,
    uri text,
    kind service_area_kind NOT NULL,
    states text[] NOT NULL DEFAULT '{}',
    counties text[] NOT NULL DEFAULT '{}',
    zip_codes text[] NOT NULL DEFAULT '{}',
    -- Around each of the service's locations.
    radius_km numeric CHECK (radius_km > 0 AND radius_km <= 1000),
    area geography(MultiPolygon, 4326),
    CHECK (
        (kind = 'national')
        OR (kind = 'state' AND cardinality(states) > 0)
        OR (kind = 'county' AND cardinality(counties) > 0)
        OR (kind = 'zip' AND cardinality(zip_codes) > 0)
        OR (kind = 'radius' AND radius_km IS NOT NULL)
        OR (kind = 'polygon' AND area IS NOT NULL)
    )
);
CREATE INDEX service_areas_service_idx ON service_areas (service_id);
CREATE INDEX service_areas_area_idx ON service_areas USING gist (area);
CREATE INDEX service_areas_states_idx ON service_areas USING gin (states);
CREATE INDEX service_areas_counties_idx ON service_areas USING gin (counties);
CREATE INDEX service_areas_zip_codes_idx ON service_areas USING gin (zip_codes);

-- Found by the search benchmark at 1,000,000 services: a service's phone languages were read
-- through a scan of every language row.
CREATE INDEX languages_phone_idx ON languages (phone_id) WHERE phone_id IS NOT NULL;

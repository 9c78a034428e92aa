-- Migration 0028 sealed every decline reason and outcome; the plain-text columns go, and the
-- sealed ones take their names.
ALTER TABLE referrals DROP COLUMN decline_reason, DROP COLUMN outcome;
ALTER TABLE referrals RENAME COLUMN decline_reason_sealed TO decline_reason;
ALTER TABLE referrals RENAME COLUMN outcome_sealed TO outcome;
ALTER TABLE mentor_matches DROP COLUMN decline_reason, DROP COLUMN outcome;
ALTER TABLE mentor_matches RENAME COLUMN decline_reason_sealed TO decline_reason;
ALTER TABLE mentor_matches RENAME COLUMN outcome_sealed TO outcome;

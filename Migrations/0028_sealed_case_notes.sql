-- Why a referral or a mentor match was declined, and how it ended, are free text about a
-- family's case: confidential like the plan that holds them, so sealed with the field cipher
-- (AES-GCM, key outside the database) like every other confidential field.
--
-- The sealed columns come first. Notes already written in plain text are sealed into them by
-- this migration's data step in Swift (`CaseNoteSealing`, in the same transaction: it needs the
-- key, which PostgreSQL never sees); migration 0029 then drops the plain-text columns.
ALTER TABLE referrals ADD COLUMN decline_reason_sealed bytea, ADD COLUMN outcome_sealed bytea;
ALTER TABLE mentor_matches ADD COLUMN decline_reason_sealed bytea, ADD COLUMN outcome_sealed bytea;

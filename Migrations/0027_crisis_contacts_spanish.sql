-- What to expect from a crisis line, in Spanish: a family reading its plan in Spanish saw each
-- line's ways to reach it but no word of what happens when they call. Kept beside the English
-- text, from Haven's translations in Seeds/reference (see national-crisis-contacts.es.SOURCE.md)
-- or a curator's.

ALTER TABLE crisis_contacts ADD COLUMN what_to_expect_es text;

-- The version each seeded record had when `haven seed` last wrote it. A record whose version has
-- moved since was changed by someone else (a curator, an import), and the next seed leaves it
-- as it is instead of writing the seed file's copy over their work. `make run` seeds every
-- time, so without this a curator's correction to a national line or a demo record lasted
-- only until the next start.
CREATE TABLE seed_writes (
    kind text NOT NULL,
    id uuid NOT NULL,
    version int NOT NULL,
    PRIMARY KEY (kind, id)
);

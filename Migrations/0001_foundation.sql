-- Foundation: the extensions the directory and search are built on.
-- PostGIS gives geography points, GiST indexes, ST_DWithin and KNN ordering; pg_trgm gives
-- typo-tolerant matching of names; btree_gist lets one GiST index combine a need code with a
-- location. On an external server these need a superuser (or a pre-created extension).
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

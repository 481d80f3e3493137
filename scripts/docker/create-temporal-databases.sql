-- Temporal keeps its own databases beside the billing database on the same Postgres server.
-- auto-setup creates their schemas; it needs the databases to exist or the right to create them.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;

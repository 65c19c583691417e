-- Versions of the migrations a warehouse has applied (fails where there is no schema_version table).
SELECT version FROM schema_version;

-- Versions of the migrations already applied.
SELECT version FROM schema_version ORDER BY version;

-- The warehouse's schema version: the newest applied migration (NULL before any).
SELECT max(version) AS version FROM schema_version;

-- The backup: every table of the warehouse (schema and rows, Parquet) into the folder {path}; no macro is persisted
-- (kinetics-sql creates them on every open), so IMPORT DATABASE of the folder restores it as it was.
EXPORT DATABASE {path} (FORMAT parquet);

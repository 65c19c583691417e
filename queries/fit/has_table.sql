-- Whether a table exists ($name), e.g. measurements before the runners' migration is applied.
SELECT count(*) > 0 AS present FROM duckdb_tables() WHERE table_name = $name;

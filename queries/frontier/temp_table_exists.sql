-- Whether a TEMP table of this connection exists ($name).
SELECT count(*) > 0 FROM duckdb_tables() WHERE temporary AND table_name = $name;

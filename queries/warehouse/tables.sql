-- Tables of the warehouse (main schema; no views, no connection-scoped TEMP scratch tables), by name.
SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY table_name;

-- Column names of a table ($name).
SELECT column_name FROM duckdb_columns() WHERE table_name = $name ORDER BY column_index;

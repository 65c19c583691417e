-- Columns of a table ($name): name, type and whether NULL is allowed.
SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE table_name = $name ORDER BY column_index;

-- Macros stored in the warehouse file itself (not TEMP, not DuckDB's own): what migration 061 drops.
SELECT DISTINCT function_name, function_type
FROM duckdb_functions()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
  AND function_type IN ('macro', 'table_macro')
ORDER BY function_name;

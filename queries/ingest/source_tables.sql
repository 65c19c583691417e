-- Tables (not views) with a `source` column, whose rows a re-ingested source replaces; ingest_log is kept apart.
SELECT DISTINCT c.table_name
FROM duckdb_columns() c
JOIN duckdb_tables() t ON t.database_name = c.database_name AND t.schema_name = c.schema_name
    AND t.table_name = c.table_name
WHERE c.column_name = 'source' AND c.schema_name = 'main' AND c.table_name <> 'ingest_log'
    AND NOT c.internal AND NOT t.temporary
ORDER BY 1;

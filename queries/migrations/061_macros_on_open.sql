-- Macros are created on every open (TEMP macros of the connection, kinetics_sql.warehouse.create_macros), no longer
-- stored in the warehouse file: a file that holds only tables round-trips through EXPORT DATABASE / IMPORT DATABASE
-- (DuckDB exports macros alphabetically, so a macro could be created before one it calls). The macros stored by
-- earlier versions are dropped by kinetics_sql.warehouse (BACKFILLS: they are listed from duckdb_functions()).
SELECT 1;

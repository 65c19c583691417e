-- Remove the rows of $source from {table} (a table with a `source` column) before it is loaded again.
DELETE FROM {table} WHERE source = $source;

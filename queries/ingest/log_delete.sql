-- Forget the ingest of $source (it is being loaded again).
DELETE FROM ingest_log WHERE source = $source;

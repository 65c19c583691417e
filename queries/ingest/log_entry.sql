-- What the last ingest of $source recorded: its content hash, format and options.
SELECT content_hash, format, options::VARCHAR AS options FROM ingest_log WHERE source = $source;

-- Record one ingested source: its content hash, format, row counts per table and options.
INSERT INTO ingest_log (source, path, content_hash, format, rows, options)
VALUES ($source, $path, $content_hash, $format, $rows, $options);

-- An ingested source other than $source whose file had the same sha256 ($digest): the same data under a second name.
SELECT source FROM ingest_log WHERE content_hash = $digest AND source <> $source ORDER BY source LIMIT 1;

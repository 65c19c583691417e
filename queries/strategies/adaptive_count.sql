-- Rows of adaptive_votes a source holds (ingest/boinf.py reports them).
SELECT count(*) AS n FROM adaptive_votes WHERE source = $source;

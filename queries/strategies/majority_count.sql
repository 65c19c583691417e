-- Rows of majority_votes a source holds (ingest/boinf.py reports how many its ingest added).
SELECT count(*) AS n FROM majority_votes WHERE source = $source;

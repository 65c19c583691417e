-- Record a data problem that does not stop the ingest.
INSERT INTO ingest_issues (source, problem_id, message) VALUES ($source, $problem_id, $message);

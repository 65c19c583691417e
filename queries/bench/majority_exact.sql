-- bench strategies: the exact majority-vote accuracy ingest stored for one answer table ($source), uncapped.
SELECT problem_id, n, accuracy FROM majority_votes WHERE source = $source AND gen_budget IS NULL;

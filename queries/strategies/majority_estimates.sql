-- A source's estimated (not closed-form) majority-vote cells without a cap (bench/bench_strategies.py).
SELECT problem_id, n, accuracy, accuracy_se FROM majority_votes
WHERE source = $source AND gen_budget IS NULL AND replicates > 0;

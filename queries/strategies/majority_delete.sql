-- Drop a source's majority-vote rows (bench/bench_strategies.py rebuilds them).
DELETE FROM majority_votes WHERE source = $source;

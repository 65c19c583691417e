-- A source's samples in order: problem, normalised answer, correctness (bench/bench_strategies.py).
SELECT problem_id, answer, correct FROM trials WHERE source = $source ORDER BY problem_id, trial;

-- Models with majority-vote rows on a task (figures/strategies.py draws them).
SELECT DISTINCT model FROM majority_votes WHERE task = $task ORDER BY model;

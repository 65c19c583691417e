-- The sources of $task that reproduce the Kinetics paper: its published tables and trace files (ingest_log.format).
SELECT source FROM ingest_log
WHERE format IN ('kinetics-tables', 'kinetics-jsonl')
  AND source IN (SELECT source FROM problems WHERE task = $task UNION SELECT source FROM trial_budgets WHERE task = $task)
ORDER BY source;

-- Tasks a frontier can be drawn for and the sources of each: problems (best-of-n) or trial_budgets (long-cot).
SELECT task, list(DISTINCT source ORDER BY source) AS sources
FROM (SELECT task, source, 'problems' AS tbl FROM (SELECT DISTINCT task, source FROM problems)
      UNION ALL
      SELECT task, source, 'trial_budgets' FROM (SELECT DISTINCT task, source FROM trial_budgets))
WHERE tbl = $table
GROUP BY task;

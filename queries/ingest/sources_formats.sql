-- Every source with rows in problems, trials, trial_budgets or published_costs, and the format it was ingested as
-- (NULL where ingest_log has no entry): what kinetics_sql.warehouse fills the file-name facts of.
SELECT s.source, l.format
FROM (SELECT source FROM problems UNION SELECT source FROM trials UNION SELECT source FROM trial_budgets
      UNION SELECT source FROM published_costs) s
LEFT JOIN ingest_log l ON l.source = s.source
ORDER BY s.source;

-- requires: selection/trials
-- Tasks a frontier can be drawn for and the sources of each: problems (best-of-n and the answer-table strategies),
-- adaptive_votes (the adaptive strategies) or,
-- for long-cot, trial_budgets and the sources long CoT is read from by length (frontier_length_caps: trials with
-- per-sample correctness and no truncation scores).
SELECT task, list(DISTINCT source ORDER BY source) AS sources
FROM (SELECT DISTINCT task, source, 'problems' AS tbl FROM problems
      UNION ALL
      SELECT DISTINCT task, source, 'trial_budgets' FROM trial_budgets
      UNION ALL
      SELECT DISTINCT task, source, 'adaptive_votes' FROM adaptive_votes
      UNION ALL
      SELECT DISTINCT t.task, c.source, 'trial_budgets'
      FROM (SELECT DISTINCT task FROM trials WHERE correct IS NOT NULL) t, frontier_length_caps(t.task) c)
WHERE tbl = $table
GROUP BY task;

-- requires: selection/labels, selection/trials
-- Per configuration and setting of an adaptive strategy (the selection of queries/frontier/strategies.sql): the mean
-- over problems of the accuracy and of the samples drawn, with their standard errors (independent estimates per
-- problem: sqrt(sum se^2) / problems). kinetics_sql.frontier joins them to the frontier's arms; $batch, $max_n NULL:
-- every batch and cap (kinetics_sql.recommend).
SELECT s.config || frontier_adaptive_label(a.rule, a.batch, a.max_n) AS config,
       a.setting, a.batch, coalesce(a.max_n, max(len(a.drawn)))::INTEGER AS max_n,
       avg(a.accuracy) AS arm_accuracy, sqrt(sum(a.accuracy_se ^ 2)) / count(*) AS accuracy_se,
       avg(a.mean_samples) AS mean_samples, sqrt(sum(a.mean_samples_se ^ 2)) / count(*) AS mean_samples_se,
       min(a.replicates) AS replicates, count(*) AS problems
FROM frontier_bon_problems($task, $models, $methods, $sources) s
JOIN adaptive_votes a ON a.source = s.source AND a.problem_id = s.problem_id
WHERE a.rule = CASE $strategy WHEN 'adaptive-majority' THEN 'margin' ELSE 'esc' END
  AND ($batch IS NULL OR a.rule = 'esc' OR a.batch = $batch)
  AND ($max_n IS NULL OR coalesce(a.max_n, 0) = $max_n)
GROUP BY 1, a.setting, a.batch, a.max_n, a.rule
ORDER BY config, a.setting;

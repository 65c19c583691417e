-- Deployable arms: one configuration and setting for every problem of every task in recommend_points,
-- accuracy and cost averaged over the problems (tasks pooled), in both regimes, in seconds and dollars (each
-- problem's dollars are pricing_cost's, queries/recommend/points.sql). An arm missing a problem is not deployable
-- on the selection.
CREATE OR REPLACE TEMP TABLE recommend_arms AS
WITH q AS (SELECT count(DISTINCT (task, problem_id)) AS q FROM recommend_points)
SELECT strategy, model, method, budget, block_size, config, setting,
       avg(accuracy ORDER BY task, problem_id) AS accuracy,
       avg(latency_s ORDER BY task, problem_id) AS latency_s,
       avg(throughput_s ORDER BY task, problem_id) AS throughput_s,
       avg(usd_latency ORDER BY task, problem_id) AS usd_latency,
       avg(usd_throughput ORDER BY task, problem_id) AS usd_throughput,
       max(k_layers) AS k_layers, max(layers) AS layers, max(waves) AS waves, max(wave_n) AS wave_n,
       min(batch_problems) AS batch_problems, count(*) AS problems, sum(trials) AS trials,
       sum(lin_defaulted) AS lin_defaulted
FROM recommend_points
GROUP BY strategy, model, method, budget, block_size, config, setting
HAVING count(*) = (SELECT q FROM q);

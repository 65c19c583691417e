-- Bootstrap band of mean accuracy over problems for every arm in recommend_points (or only the arm
-- $strategy/$config/$setting when given): $bootstrap replicates resampling the problems with replacement
-- (draw d of replicate r is problem hash($seed, r, d) mod q, as frontier_curve), 2.5% and 97.5% quantiles.
WITH probs AS (
    SELECT task, problem_id, (row_number() OVER (ORDER BY task, problem_id) - 1)::UBIGINT AS idx, count(*) OVER () AS q
    FROM (SELECT DISTINCT task, problem_id FROM recommend_points)
),
nq AS (SELECT any_value(q)::BIGINT AS q FROM probs),
draws AS (
    SELECT r.rep, p.task, p.problem_id, count(*)::DOUBLE AS w
    FROM nq, range(1, $bootstrap + 1) r(rep), range(0, nq.q) d(draw)
    JOIN probs p ON p.idx = hash($seed, r.rep, d.draw) % nq.q::UBIGINT
    GROUP BY ALL
),
arm AS (
    SELECT strategy, config, setting, task, problem_id, accuracy FROM recommend_points
    WHERE $config IS NULL OR (strategy = $strategy AND config = $config AND setting = $setting)
),
reps AS (
    SELECT a.strategy, a.config, a.setting, d.rep, sum(d.w * a.accuracy ORDER BY a.task, a.problem_id) / any_value(nq.q) AS acc
    FROM arm a JOIN draws d USING (task, problem_id) CROSS JOIN nq
    GROUP BY ALL
)
SELECT strategy, config, setting, quantile_cont(acc, 0.025) AS lower, quantile_cont(acc, 0.975) AS upper
FROM reps GROUP BY ALL;

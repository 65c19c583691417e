-- The recommendation over recommend_arms. $measure is the cost the budget is in: latency_s (seconds per
-- problem, one at a time), usd_latency or usd_throughput (USD per 1,000 problems in that regime), or
-- usd_per_solved_latency|throughput (those dollars / accuracy: USD per 1,000 solved problems; no accuracy, no cost).
-- With $limit (a budget): the most accurate arm whose cost <= $limit (ties: the cheaper). With $target (an
-- accuracy): the cheapest arm whose accuracy >= $target (ties: the more accurate). Either way no deployable arm
-- is at least as accurate for no more cost (a point of the deployable frontier).
WITH a AS (
    SELECT *, CASE $measure WHEN 'latency_s' THEN latency_s WHEN 'usd_latency' THEN usd_latency
                            WHEN 'usd_throughput' THEN usd_throughput
                            WHEN 'usd_per_solved_latency' THEN usd_latency / nullif(accuracy, 0)
                            WHEN 'usd_per_solved_throughput' THEN usd_throughput / nullif(accuracy, 0)
                            ELSE error('unknown measure ' || $measure) END AS cost
    FROM recommend_arms
)
SELECT * FROM a
WHERE CASE WHEN $target IS NULL THEN cost <= $limit ELSE accuracy >= $target - 1e-12 END
ORDER BY CASE WHEN $target IS NULL THEN -accuracy ELSE cost END,
         CASE WHEN $target IS NULL THEN cost ELSE -accuracy END,
         config, setting
LIMIT 1;

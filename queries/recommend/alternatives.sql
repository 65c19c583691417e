-- Beside the recommended arm ($strategy/$config/$setting, cost $cost in $measure, accuracy $accuracy, band lower
-- $lower): kind 'runner-up', the other arms within the budget ($limit or $target) whose accuracy is inside the
-- band (>= $lower), most accurate first (with $target: cheapest first); kind 'next step', the cheapest arm more accurate than the recommendation
-- (what spending more buys), whatever the budget.
WITH a AS (
    SELECT *, CASE $measure WHEN 'latency_s' THEN latency_s WHEN 'usd_latency' THEN usd_latency
                            WHEN 'usd_throughput' THEN usd_throughput
                            WHEN 'usd_per_solved_latency' THEN usd_latency / nullif(accuracy, 0)
                            WHEN 'usd_per_solved_throughput' THEN usd_throughput / nullif(accuracy, 0)
                            ELSE error('unknown measure ' || $measure) END AS cost
    FROM recommend_arms
),
others AS (SELECT * FROM a WHERE NOT (strategy = $strategy AND config = $config AND setting = $setting)),
runners AS (
    SELECT 'runner-up' AS kind, * FROM others
    WHERE accuracy >= $lower - 1e-12
      AND CASE WHEN $target IS NULL THEN cost <= $limit ELSE accuracy >= $target - 1e-12 END
    ORDER BY CASE WHEN $target IS NULL THEN -accuracy ELSE cost END,
             CASE WHEN $target IS NULL THEN cost ELSE -accuracy END, config, setting
    LIMIT $runners
),
nxt AS (
    SELECT 'next step' AS kind, * FROM others WHERE accuracy > $accuracy + 1e-12
    ORDER BY cost, accuracy DESC, config, setting
    LIMIT 1
)
SELECT * FROM runners UNION ALL SELECT * FROM nxt;

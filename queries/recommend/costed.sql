-- recommend_arms with each arm's cost in the budget's $measure: latency_s (seconds per problem, one at a time),
-- usd_latency or usd_throughput (USD per 1,000 problems in that regime), or usd_per_solved_latency|throughput (those
-- dollars / accuracy: USD per 1,000 solved problems; no accuracy, no cost); whether it is within the budget (with
-- $limit: cost <= $limit; with $target, an accuracy: accuracy >= $target); and its rank among the arms, best first
-- (with $limit: the most accurate, ties to the cheaper; with $target: the cheapest, ties to the more accurate).
-- pick.sql and alternatives.sql read it.
CREATE OR REPLACE TEMP TABLE recommend_costed AS
WITH a AS (
    SELECT *, CASE $measure WHEN 'latency_s' THEN latency_s WHEN 'usd_latency' THEN usd_latency
                            WHEN 'usd_throughput' THEN usd_throughput
                            WHEN 'usd_per_solved_latency' THEN usd_latency / nullif(accuracy, 0)
                            WHEN 'usd_per_solved_throughput' THEN usd_throughput / nullif(accuracy, 0)
                            ELSE error('unknown measure ' || $measure) END AS cost
    FROM recommend_arms
)
SELECT *,
       coalesce(CASE WHEN $target IS NULL THEN cost <= $limit ELSE accuracy >= $target - 1e-12 END, false)
           AS within_budget,
       row_number() OVER (ORDER BY CASE WHEN $target IS NULL THEN -accuracy ELSE cost END,
                                   CASE WHEN $target IS NULL THEN cost ELSE -accuracy END,
                                   config, setting) AS budget_rank
FROM a;

-- requires: frontier/macros, pricing/context, pricing/costs
-- A frontier as a chart draws it (kinetics_sql.figures.steps): the rows of queries/frontier/frontier.sql, thinned
-- where a lane (the envelope, or one group) has more than $levels breakpoints. At scale an oracle frontier has a
-- breakpoint for nearly every problem and arm (10^5 rows at 2,000 problems), far more than a chart resolves. A
-- thinned lane keeps, for each accuracy level k / $levels, its cheapest breakpoint at or above the level, and its
-- last breakpoint. Every kept row is a breakpoint of the frontier, exact; the step through the kept rows is never
-- above the frontier and less than 1 / $levels below it at any cost. A lane of at most $levels rows is kept whole.
WITH f AS (
    SELECT f."group", f.cost, f.cost / 1e12 AS cost_tera, frontier_seconds($cost, f.cost, h.peak_flops, cx := pricing_context($pricing)) AS seconds,
           f.accuracy, f.model, f.method, f.budget, f.block_size, f.config, f.setting, f.lower, f.upper,
           CASE WHEN $envelope THEN 'envelope' ELSE f."group" END AS lane
    FROM frontier_curve($points, $kind, $by, $envelope, $bootstrap, $seed) f
    CROSS JOIN (SELECT peak_flops FROM hardware WHERE name = $hardware) h
),
ranked AS (   -- within a lane, breakpoints rise in accuracy with cost: the cheapest of a level is its first
    SELECT *, count(*) OVER (PARTITION BY lane) AS lane_rows,
           row_number() OVER (PARTITION BY lane, floor(accuracy * $levels) ORDER BY cost) AS in_level,
           row_number() OVER (PARTITION BY lane ORDER BY cost DESC) AS from_last
    FROM f
)
SELECT "group", cost, cost_tera, seconds, accuracy, model, method, budget, block_size, config, setting, lower, upper
FROM ranked
WHERE lane_rows <= $levels OR in_level = 1 OR from_last = 1
ORDER BY CASE WHEN $envelope THEN NULL ELSE "group" END, cost;

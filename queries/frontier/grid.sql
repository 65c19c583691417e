-- requires: frontier/macros, pricing/context, pricing/costs
-- The notebooks' rendering of a frontier: sampled on $grid log-spaced costs between $grid_min and
-- $grid_max (default: the first and last breakpoint), then a centred moving average of width $smooth
-- (shorter at the ends). accuracy_exact is the exact frontier at the grid cost.
WITH curve AS (
    SELECT *, CASE WHEN $envelope THEN 'envelope' ELSE "group" END AS lane
    FROM frontier_curve($points, $kind, $by, $envelope, 0, 0)
),
lanes AS (SELECT DISTINCT lane, "group" IS NULL AS envelope FROM curve),
bounds AS (
    SELECT coalesce($grid_min::DOUBLE, min(cost)) AS lo, coalesce($grid_max::DOUBLE, max(cost)) AS hi FROM curve
),
grid AS (
    SELECT k, exp(ln(lo) + k * (ln(hi) - ln(lo)) / greatest($grid - 1, 1)) AS cost
    FROM bounds, range(0, $grid) r(k)
),
sampled AS (
    SELECT l.lane, g.k, g.cost, coalesce(c.accuracy, 0.0) AS accuracy_exact,
           c.model, c.method, c.budget, c.block_size, c.config, c.setting
    FROM lanes l CROSS JOIN grid g
    ASOF LEFT JOIN curve c ON c.lane = l.lane AND c.cost <= g.cost
)
SELECT CASE WHEN $envelope THEN NULL ELSE s.lane END AS "group",
       s.cost, frontier_tera($cost, s.cost) AS cost_tera, frontier_seconds($cost, s.cost, h.peak_flops, cx := pricing_context($pricing)) AS seconds,
       avg(s.accuracy_exact) OVER (PARTITION BY s.lane ORDER BY s.k
                                   ROWS BETWEEN ($smooth - 1) // 2 PRECEDING AND ($smooth - 1) // 2 FOLLOWING) AS accuracy,
       s.accuracy_exact, s.model, s.method, s.budget, s.block_size, s.config, s.setting
FROM sampled s
CROSS JOIN (SELECT peak_flops FROM hardware WHERE name = $hardware) h
ORDER BY s.lane, s.k;

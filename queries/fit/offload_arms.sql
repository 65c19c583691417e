-- requires: pricing/context, pricing/plan
-- Offload-aware Pareto analysis of arms (configuration x setting; accuracy and cost averaged over
-- problems, i.e. deployable arms) in the points table $points, with the VRAM plan (queries/pricing/plan.sql) of
-- $task and $strategy under the pricing context $pricing that priced them (kinetics_sql.frontier.plan_params). An arm is dominated when an arm of another model costs no more and is no less accurate
-- (one of them strictly); dominated_by names the cheapest such arm.
WITH pts AS (
    SELECT * FROM query_table($points)
),
arms AS (
    SELECT model, method, budget, block_size, config, setting, avg(accuracy) AS accuracy, avg(cost) AS cost,
           avg(seconds) AS seconds
    FROM pts GROUP BY ALL
),
planned AS (
    SELECT a.*, p.k_layers AS k, p.layers, p.waves, p.wave_n, p.k_layers > 0 AS offloaded, p.fits,
           p.vram_needed / 1e9 AS vram_needed_gb
    FROM arms a
    LEFT JOIN pricing_plan(pricing_context($pricing), $task, $strategy, $sources::VARCHAR[]) p
           ON p.model = a.model AND p.setting = a.setting
)
SELECT x.*,
       (SELECT arg_min(y.config || ' @' || y.setting::VARCHAR, y.cost)
        FROM planned y
        WHERE y.model <> x.model AND y.cost <= x.cost AND y.accuracy >= x.accuracy
          AND (y.cost < x.cost OR y.accuracy > x.accuracy)) AS dominated_by,
       (SELECT arg_min(y.model, y.cost)
        FROM planned y
        WHERE y.model <> x.model AND y.cost <= x.cost AND y.accuracy >= x.accuracy
          AND (y.cost < x.cost OR y.accuracy > x.accuracy)) AS dominated_by_model
FROM planned x
ORDER BY x.model, x.cost;

-- requires: frontier/macros, pricing/context, pricing/costs
-- The exact frontier (macros.sql: frontier_curve over the points table $points, see materialize.sql), in raw units, Tera units and seconds on $hardware
-- (cost / peak FLOP/s: with eFLOPs i = 2 * peak / HBM bytes/s, the roofline time). One row per breakpoint.
SELECT f."group", f.cost, frontier_tera($cost, f.cost) AS cost_tera, frontier_seconds($cost, f.cost, h.peak_flops, cx := pricing_context($pricing)) AS seconds, f.accuracy,
       f.model, f.method, f.budget, f.block_size, f.config, f.setting, f.lower, f.upper
FROM frontier_curve($points, $kind, $by, $envelope, $bootstrap, $seed) f
CROSS JOIN (SELECT peak_flops FROM hardware WHERE name = $hardware) h
ORDER BY CASE WHEN $envelope THEN NULL ELSE f."group" END, f.cost;

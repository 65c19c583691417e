-- requires: pricing/context, pricing/costs, pricing/plan, pricing/seconds, pricing/terms
-- `kinetics-sql cost --cost rflops|latency|dollars|dollars-throughput`: one configuration of $n trials after a prompt of
-- $lin tokens, for each requested trial length and (several lengths) for all of them together, priced by the pricing
-- layer exactly as the frontier and recommend price a problem with those trials (queries/pricing/points.sql): the VRAM
-- plan of $n trials at the longest length under the pricing context $pricing, the trials' summed work priced in both
-- regimes, then turned into $cost.
WITH louts AS (SELECT unnest($louts::BIGINT[]) AS lout, generate_subscripts($louts::BIGINT[], 1) AS i),
cx AS (SELECT pricing_context($pricing) AS cx),
shape AS (SELECT pricing_shape(m, coalesce(pricing_context($pricing).gpus, 1.0)) AS sh FROM models m WHERE m.name = $model),
plan AS (
    SELECT p AS pl, pricing_batch_problems(p, pricing_context($pricing)) AS c
    FROM pricing_plan_for(pricing_context($pricing),
                          [{'strategy': 'cost', 'model': $model::VARCHAR, 'setting': $n::INTEGER, 'n': $n::INTEGER,
                            'lin_max': $lin::DOUBLE, 'gen_len': (SELECT max(lout) FROM louts)::DOUBLE}]) p
),
groups AS (   -- each trial length alone (row 'trial'), and all together (row 'mean', lout NULL: the expected cost
              -- over the lengths, as Kinetics averages them; latency regime: a problem with these samples, each
              -- wave of --n waiting for its longest, pricing_latency_steps; $together, --n = the lengths: row
              -- 'together', those samples decoded as one batch until the longest ends)
    SELECT i, 'trial' AS row_, lout AS lout_label, lout FROM louts
    UNION ALL
    SELECT 1000000, CASE WHEN $together THEN 'together' ELSE 'mean' END, NULL, lout FROM louts
    WHERE (SELECT count(*) FROM louts) > 1
),
sums AS (
    SELECT g.i, g.row_, g.lout_label,
           pricing_terms_sum(pricing_trial_terms($method, $lin, g.lout, $budget, $block_size, $variant, shape.sh), g.lout)
               AS s,
           list(g.lout::DOUBLE ORDER BY g.lout) AS louts,
           frontier_exact_sum(pricing_block_reads($method, $lin, g.lout, $block_size, plan.pl.wave_n, plan.pl)) AS kv_latency,
           frontier_exact_sum(pricing_block_reads($method, $lin, g.lout, $block_size, plan.c * plan.pl.wave_n, plan.pl))
               AS kv_throughput
    FROM groups g, shape, plan
    GROUP BY g.i, g.row_, g.lout_label
),
live AS (   -- MoE: a step's expected weight bytes per segment of the sorted lengths (pricing_latency_reads)
    SELECT x.*, pricing_live_read_weights(len(x.louts), plan.pl) AS live_w FROM sums x, plan
),
priced AS (
    SELECT x.*, plan.pl, plan.c, cx.cx,
           pricing_group_seconds($lin, x.s, x.kv_latency, 1, plan.pl, cx.cx,
                                 steps := pricing_latency_steps(x.louts, plan.pl),
                                 reads := pricing_latency_reads(x.louts, plan.pl, x.live_w)) AS latency_sum,
           pricing_group_seconds($lin, x.s, x.kv_throughput, plan.c, plan.pl, cx.cx) AS throughput_sum,
           plan.pl.waves * cx.cx.t0 * x.s.trials AS t0_sum
    FROM live x, plan, cx
)
SELECT $model AS model, cx.hardware AS hardware, cx.gpus::INTEGER AS gpus, $method AS method,
       CASE WHEN $method = 'dense' THEN NULL ELSE $budget END AS budget,
       CASE WHEN $method = 'blocktopk' THEN $block_size ELSE NULL END AS block_size, $variant AS variant, $lin AS lin,
       row_ AS row, lout_label::BIGINT AS lout, $n AS n, $cost AS cost_model,
       pricing_cost($cost, CASE WHEN $cost = 'dollars-throughput' THEN throughput_sum ELSE latency_sum END, t0_sum,
                    s.trials, cx) AS cost,
       pricing_cost('latency', latency_sum, t0_sum, s.trials, cx) AS latency_s,
       pricing_cost('latency', throughput_sum, t0_sum, s.trials, cx) AS throughput_s,
       CASE WHEN $has_price THEN pricing_cost('dollars', latency_sum, t0_sum, s.trials, cx) END AS usd_latency,
       CASE WHEN $has_price THEN pricing_cost('dollars-throughput', throughput_sum, t0_sum, s.trials, cx) END
           AS usd_throughput,
       pl.k_layers, pl.layers, pl.waves, pl.wave_n, c AS batch_problems, cx.coefficients AS priced_by
FROM priced
ORDER BY i;

-- requires: frontier/offload_points, frontier/parts, frontier/strategies, pricing/context, pricing/costs
-- requires: pricing/datasheet, pricing/terms, selection/catalog, selection/trials
-- frontier_points, one text for three macros (kinetics_sql.warehouse.POINTS_MACROS renders it, {frontier_points},
-- {strategy_points} and {offload_points} replaced by quoted names), each binding only what it can need:
--   "frontier_points"                every cost model and strategy
--   "frontier_points_datasheet"      flops and eflops: no offload pricing; strategies.sql's instance that calls
--                                    frontier_cost_datasheet (frontier_cost's offload look-ups are planned for every
--                                    row even where not taken: ~2 s at every query)
--   "frontier_points_bon_datasheet"  flops and eflops, best-of-N: neither, nor the strategies over answer tables
-- What a selection reads (its best-of-N coverage, trials and traces): queries/frontier/parts.sql. The offload-aware
-- costs (rflops, latency, dollars) are priced by queries/pricing/points.sql (queries/frontier/offload_points.sql).
--
--   frontier_points(task, strategy, cost, hardware, variant, models, methods, p_gpus := 1, p_sources := [],
--                   p_batch := 1, p_max_n := 0, p_pricing := NULL)   (p_batch, p_max_n: the adaptive strategies'
--                   batch and cap, 0: all samples)
--       one row per configuration x setting x problem: accuracy and expected cost (on p_gpus GPUs in
--       tensor parallel: one GPU's cost, queries/macros/040_tensor_parallel.sql); p_pricing, the pricing context
--       (queries/pricing/context.sql) of the seconds-based costs (rflops, latency, dollars, dollars-throughput)
-- Spec: docs/cost-model.md, "Expected cost of a problem". The datasheet costs (flops, eflops) are
-- affine in n but for block top-k's summary reads (arms.sql: frontier_cost_nonaffine): cost(N) = c0 + N (c1 - c0)
-- + r(N) from each trial's affine part at n = 0 and n = 1 and that term r at N, so a trial is priced twice (and
-- block top-k's summary term once per N), not once per setting.
CREATE OR REPLACE TEMP MACRO {frontier_points}(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods,
                                               p_gpus := 1, p_sources := []::VARCHAR[], p_batch := 1, p_max_n := 0,
                                               p_pricing := NULL) AS TABLE
WITH hw AS (SELECT * FROM frontier_hardware(p_hardware)),
mdl AS (SELECT * FROM frontier_models()),
-- best-of-N --------------------------------------------------------------------------------------
bon_accuracy AS (SELECT * FROM frontier_bon_accuracy(p_task, p_models, p_methods, p_sources) WHERE p_strategy = 'best-of-n'),
bon_trials AS (SELECT * REPLACE (coalesce(lin, pricing_default_prompt_tokens()) AS lin)
               FROM frontier_trials(p_task, p_strategy, p_models, p_methods, p_sources) WHERE p_strategy = 'best-of-n'),
-- expected cost per (configuration, problem, N): the mean over the problem's trials. Datasheet costs: per trial at
-- n = 0 and n = 1 (affine part) and, for block top-k alone, the non-affine term at every N; every other cost per N.
bon_affine AS (
    SELECT config, problem_id, frontier_exact_sum(x.c0) AS c0, frontier_exact_sum(x.c1) AS c1, count(*) AS trials
    FROM (SELECT bt.config, bt.problem_id,
                 frontier_cost_affine(p_cost, bt.method, m.p, m.hq, m.hkv, m.d, bt.lin, bt.lout, hw.i, coalesce(bt.budget, 0),
                                      coalesce(bt.block_size, 0), p_variant, gpus := p_gpus, i_net := hw.i_net,
                                      hidden := m.hidden, vocab := m.vocab, layers := m.layers, arch := m.arch) AS x
          FROM bon_trials bt
          JOIN mdl m ON m.model = bt.model
          CROSS JOIN hw
          WHERE p_cost IN ('flops', 'eflops'))
    GROUP BY config, problem_id
),
bon_nonaffine AS (   -- block top-k: the non-affine term at every N
    SELECT bt.config, bt.problem_id, s.setting,
           frontier_exact_sum(frontier_cost_nonaffine(p_cost, bt.method, m.hkv, m.d, bt.lin, bt.lout, s.setting, hw.i,
                                                      bt.block_size, gpus := p_gpus)) AS r
    FROM bon_trials bt
    JOIN bon_accuracy s ON s.config = bt.config AND s.problem_id = bt.problem_id
    JOIN mdl m ON m.model = bt.model
    CROSS JOIN hw
    WHERE p_cost IN ('flops', 'eflops') AND bt.method = 'blocktopk'
    GROUP BY bt.config, bt.problem_id, s.setting
),
bon_cost AS (
    SELECT a.config, a.problem_id, s.setting, (a.c0 + s.setting * (a.c1 - a.c0) + coalesce(r.r, 0.0)) / a.trials AS cost,
           a.trials
    FROM bon_affine a
    JOIN bon_accuracy s ON s.config = a.config AND s.problem_id = a.problem_id
    LEFT JOIN bon_nonaffine r ON r.config = a.config AND r.problem_id = a.problem_id AND r.setting = s.setting
),
bon_arms AS (SELECT DISTINCT config, model, method, budget, block_size FROM bon_trials),
bon AS (
    SELECT a.model, a.method, a.budget, a.block_size, c.config, c.setting, c.problem_id, acc.accuracy, c.cost, c.trials
    FROM bon_cost c
    JOIN bon_accuracy acc ON acc.config = c.config AND acc.problem_id = c.problem_id AND acc.setting = c.setting
    JOIN bon_arms a ON a.config = c.config
),
-- long chain of thought: each trace cut at a generation budget ------------------------------------
lc_rows AS (SELECT * FROM frontier_trials(p_task, p_strategy, p_models, p_methods, p_sources) WHERE p_strategy = 'long-cot'),
lc AS (   -- datasheet costs by exact sums (no ordered aggregate buffering every row)
    SELECT r.model, r.method, r.budget, r.block_size, r.config, r.setting, r.problem_id,
           sum(r.correct::INTEGER) / count(*) AS accuracy,
           frontier_exact_sum(frontier_cost_datasheet(p_cost, r.method, m.p, m.hq, m.hkv, m.d, r.lin, r.lout, 1,
                                                      hw.i, coalesce(r.budget, 0), coalesce(r.block_size, 0), p_variant,
                                                      gpus := p_gpus, i_net := hw.i_net, hidden := m.hidden,
                                                      vocab := m.vocab, layers := m.layers, arch := m.arch))
               / count(*) AS cost,
           count(*) AS trials
    FROM lc_rows r JOIN mdl m ON m.model = r.model CROSS JOIN hw
    WHERE p_cost IN ('flops', 'eflops')
    GROUP BY r.model, r.method, r.budget, r.block_size, r.config, r.setting, r.problem_id
)
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost,
       frontier_seconds(p_cost, cost, (SELECT peak_flops FROM hw), cx := pricing_context(p_pricing)) AS seconds, trials, p_gpus::INTEGER AS gpus
FROM (SELECT * FROM bon UNION ALL SELECT * FROM lc
      -- rflops, latency, dollars: queries/frontier/offload_points.sql
      UNION ALL SELECT * FROM {offload_points}(p_task, p_strategy, p_cost, p_variant, p_models, p_methods, p_sources,
                                               pricing_context(p_pricing))
      -- majority, majority-budget and long-cot from lengths: queries/frontier/strategies.sql
      UNION ALL SELECT * FROM {strategy_points}(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods,
                                                p_gpus, p_sources, p_batch := p_batch, p_max_n := p_max_n,
                                                p_pricing := pricing_context(p_pricing)))
WHERE CASE WHEN p_strategy IN ('best-of-n', 'long-cot', 'majority', 'majority-budget', 'adaptive-majority', 'adaptive-esc')
           THEN true
           ELSE error('unknown strategy ''' || p_strategy || ''' (expected best-of-n, long-cot, majority, majority-budget, '
                      || 'adaptive-majority or adaptive-esc)') END;

-- requires: pricing/context, pricing/plan, pricing/seconds, pricing/terms, selection/trials
-- A selection's trials priced under a context, per configuration, setting and problem, in both regimes: what the
-- frontier's seconds-based cost models (rflops, latency, dollars, dollars-throughput; frontier/offload_points.sql),
-- recommend (recommend/points.sql) and the explorer all read, so they agree to the bit.
--
-- The trials' work is summed once per configuration, problem and prompt length (pricing_trial_terms,
-- pricing_terms_sum; long CoT also per budget), then priced per setting under the plan (pricing_plan) by
-- pricing_group_seconds; block top-k's block-summary reads, not affine in the batch, are summed at each batch a plan
-- needs. Best-of-N: one row per N (1, 2, 4, ... up to the samples drawn) with its unbiased coverage; long CoT: per
-- generation budget, the share of traces correct. Latency regime: a wave's samples run until its longest ends
-- (pricing_latency_steps over the problem's sorted sample lengths; MoE weight reads at the live batch of each step,
-- pricing_latency_reads; queries/pricing/seconds.sql). A trial without a
-- recorded prompt length is priced with pricing_default_prompt_tokens() (lin_defaulted counts them).
--
-- Columns: model, method, budget, block_size, config, setting, problem_id, accuracy, trials, latency_seconds_sum,
-- throughput_seconds_sum (GPU-seconds summed over the trials, in each regime), t0_sum (the per-wave constants among
-- them), lin_defaulted, and the plan: k_layers, layers, waves, wave_n, batch_problems. pricing_cost turns a sum into
-- any cost model.
CREATE OR REPLACE TEMP MACRO pricing_points(cx, p_task, p_strategy, p_variant, p_models, p_methods, p_sources) AS TABLE
WITH trials_ AS (   -- setting: NULL for best-of-N (every N applies), the generation budget for long CoT
    SELECT model, method, budget, block_size, config, setting, problem_id,
           coalesce(lin, pricing_default_prompt_tokens()) AS lin, lin IS NULL AS lin_defaulted, lout,
           correct::INTEGER AS correct
    FROM frontier_trials(p_task, p_strategy, p_models, p_methods, p_sources)
),
bon_accuracy AS (   -- per configuration and problem, each N with its accuracy: best-of-N's coverage, majority's vote
    SELECT config, problem_id, setting, accuracy FROM frontier_bon_accuracy(p_task, p_models, p_methods, p_sources)
    WHERE p_strategy = 'best-of-n'
    UNION ALL
    SELECT b.config || CASE WHEN v.gen_budget IS NULL THEN '' ELSE ' cap ' || v.gen_budget::VARCHAR END,
           v.problem_id, v.n, v.accuracy
    FROM frontier_bon_problems(p_task, p_models, p_methods, p_sources) b
    JOIN majority_votes v ON v.source = b.source AND v.problem_id = b.problem_id
    WHERE p_strategy = 'majority-budget' OR (p_strategy = 'majority' AND v.gen_budget IS NULL)
),
shapes AS (
    SELECT m.name AS model, pricing_shape(m, coalesce(cx['gpus'], 1.0)) AS sh
    FROM models m WHERE m.name IN (SELECT DISTINCT model FROM trials_)
),
plan AS (
    SELECT p.model, p.setting, p AS pl, pricing_batch_problems(p, cx) AS c
    FROM pricing_plan(cx, p_task, p_strategy, p_sources) p
),
sums AS (
    SELECT t.model, t.method, t.budget, t.block_size, t.config, t.setting, t.problem_id, t.lin,
           sum(t.correct) AS correct, count(*) FILTER (WHERE t.lin_defaulted) AS lin_defaulted,
           pricing_terms_sum(pricing_trial_terms(t.method, t.lin, t.lout, t.budget, t.block_size, p_variant, s.sh),
                             t.lout) AS s,
           list(t.lout::DOUBLE ORDER BY t.lout) AS louts   -- the latency regime's schedule: the expected longest
    FROM trials_ t JOIN shapes s ON s.model = t.model
    GROUP BY t.model, t.method, t.budget, t.block_size, t.config, t.setting, t.problem_id, t.lin
),
block AS (   -- block top-k's block-summary reads at every batch the plan prices (wave_n; c * wave_n)
    SELECT t.config, t.setting, t.problem_id, t.lin, b.seqs,
           frontier_exact_sum(pricing_block_reads(t.method, t.lin, t.lout, t.block_size, b.seqs, b.sh)) AS kv
    FROM trials_ t
    JOIN (SELECT DISTINCT model, {'hkv': pl.hkv, 'd_dim': pl.d_dim, 'gpus': pl.gpus} AS sh,
                          unnest([pl.wave_n, c * pl.wave_n]) AS seqs FROM plan) b ON b.model = t.model
    WHERE t.method = 'blocktopk'
    GROUP BY ALL
),
priced AS (
    SELECT f.*, coalesce(f.setting, a.setting) AS setting_, a.accuracy, p.pl, p.c
    FROM sums f
    LEFT JOIN bon_accuracy a ON f.setting IS NULL AND a.config = f.config AND a.problem_id = f.problem_id
    LEFT JOIN plan p ON p.model = f.model AND p.setting = coalesce(f.setting, a.setting)
),
live AS (   -- MoE waves of several sequences: a step's expected weight bytes per segment of the sorted lengths, one
            -- list per plan and sample count (pricing_live_read_weights; MATH500: 500 problems of 80 samples share it)
    SELECT x.model, x.setting_, x.m, pricing_live_read_weights(x.m, p.pl) AS w
    FROM (SELECT DISTINCT model, setting_, len(louts) AS m FROM priced WHERE pl.experts > 0 AND pl.wave_n > 1) x
    JOIN plan p ON p.model = x.model AND p.setting = x.setting_
),
schedule AS (   -- the latency regime's steps and weight reads, computed once: a macro argument is expanded at every
                -- use, and each expansion walks the problem's sample lengths
    SELECT p.*, pricing_latency_steps(p.louts, p.pl) AS lat_steps, pricing_latency_reads(p.louts, p.pl, lv.w) AS lat_reads
    FROM priced p
    LEFT JOIN live lv ON lv.model = p.model AND lv.setting_ = p.setting_ AND lv.m = len(p.louts)
),
seconds AS (
    SELECT p.*,
           CASE WHEN p.pl IS NULL
                THEN error('no VRAM plan for ' || p.model || ' at setting ' || coalesce(p.setting_::VARCHAR, 'NULL'))
                ELSE pricing_group_seconds(p.lin, p.s, coalesce(bl.kv, 0.0), 1, p.pl, cx,
                                           steps := p.lat_steps, reads := p.lat_reads) END AS latency_sum,
           pricing_group_seconds(p.lin, p.s, coalesce(bt.kv, 0.0), p.c, p.pl, cx) AS throughput_sum,
           p.pl.waves * cx['t0'] * p.s.trials AS t0_sum
    FROM schedule p
    LEFT JOIN block bl ON p.method = 'blocktopk' AND bl.config = p.config AND bl.setting IS NOT DISTINCT FROM p.setting
                      AND bl.problem_id = p.problem_id AND bl.lin IS NOT DISTINCT FROM p.lin AND bl.seqs = p.pl.wave_n
    LEFT JOIN block bt ON p.method = 'blocktopk' AND bt.config = p.config AND bt.setting IS NOT DISTINCT FROM p.setting
                      AND bt.problem_id = p.problem_id AND bt.lin IS NOT DISTINCT FROM p.lin
                      AND bt.seqs = p.c * p.pl.wave_n
)
-- per configuration, setting and problem: sums over its prompt lengths in prompt-length order (the same bits)
SELECT model, method, budget, block_size, config, setting_ AS setting, problem_id,
       CASE WHEN p_strategy = 'long-cot' THEN sum(correct) / sum(s.trials) ELSE any_value(accuracy) END AS accuracy,
       sum(s.trials) AS trials,
       sum(latency_sum ORDER BY lin) AS latency_seconds_sum, sum(throughput_sum ORDER BY lin) AS throughput_seconds_sum,
       sum(t0_sum ORDER BY lin) AS t0_sum, sum(lin_defaulted) AS lin_defaulted,
       any_value(pl.k_layers) AS k_layers, any_value(pl.layers) AS layers, any_value(pl.waves) AS waves,
       any_value(pl.wave_n) AS wave_n, any_value(c) AS batch_problems
FROM seconds
GROUP BY model, method, budget, block_size, config, setting_, problem_id;

-- frontier_points, one text for two macros (kinetics_sql.warehouse.POINTS_MACROS renders it twice, {frontier_points}
-- and {strategy_points} replaced by quoted names):
--   "frontier_points"            every cost model
--   "frontier_points_datasheet"  flops and eflops only: its strategy_points (queries/frontier/strategies.sql) calls
--                                frontier_cost_datasheet, as DuckDB plans the offload look-ups of frontier_cost for
--                                every row even where not taken (~2 s at every query)
-- The offload-aware costs (rflops, latency, dollars) of best-of-N and long CoT are priced here from the trials' sums
-- (off_* below), not trial by trial.
--
--   frontier_points(task, strategy, cost, hardware, variant, models, methods, p_gpus := 1, p_sources := [])
--       one row per configuration x setting x problem: accuracy and expected cost (on p_gpus GPUs in
--       tensor parallel: one GPU's cost, queries/macros/040_tensor_parallel.sql)
-- Spec: ../shared/docs/cost-model.md, "Expected cost of a problem". The datasheet costs (flops, eflops) are
-- affine in n but for block top-k's summary reads (arms.sql: frontier_cost_nonaffine): cost(N) = c0 + N (c1 - c0)
-- + r(N) from each trial's affine part at n = 0 and n = 1 and that term r at N, so a trial is priced twice (and
-- block top-k's summary term once per N), not once per setting.
CREATE OR REPLACE TEMP MACRO {frontier_points}(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods,
                                               p_gpus := 1, p_sources := []::VARCHAR[]) AS TABLE
WITH hw AS (SELECT * FROM frontier_hardware(p_hardware)),
mdl AS (SELECT * FROM frontier_models()),
-- best-of-N --------------------------------------------------------------------------------------
bon_problems AS (
    SELECT source, task, problem_id, model, method, budget, block_size, n_samples, n_correct, prompt_tokens,
           model || ' ' || frontier_label(method, budget, block_size, source) AS config
    FROM problems
    WHERE p_strategy = 'best-of-n' AND task = p_task
      AND (len(p_models) = 0 OR list_contains(p_models, model))
      AND (len(p_methods) = 0 OR list_contains(p_methods, method))
      AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: source LIKE s)) > 0)
),
bon_counts AS (   -- sources of one configuration pool their samples
    SELECT config, problem_id, sum(n_samples)::INTEGER AS n_samples, sum(n_correct)::INTEGER AS n_correct
    FROM bon_problems GROUP BY ALL
),
bon_settings AS (   -- N = 1, 2, 4, ... up to the samples drawn
    SELECT config, problem_id, n_samples, n_correct, (2 ** k)::INTEGER AS setting
    FROM bon_counts, range(0, 31) r(k)
    WHERE 2 ** k <= n_samples
),
bon_accuracy AS (   -- per configuration, problem and N (not per trial: the coverage is a product over N terms)
    SELECT config, problem_id, setting, frontier_coverage(n_samples, n_correct, setting) AS accuracy FROM bon_settings
),
bon_trials AS (   -- one row per trial with its configuration and lengths
    SELECT b.model, b.method, b.budget, b.block_size, b.config, b.problem_id, t.source, t.trial,
           coalesce(t.prompt_tokens, b.prompt_tokens, 0) AS lin, t.gen_tokens AS lout
    FROM bon_problems b
    JOIN trials t ON t.source = b.source AND t.task = b.task AND t.problem_id = b.problem_id
),
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
    JOIN bon_settings s ON s.config = bt.config AND s.problem_id = bt.problem_id
    JOIN mdl m ON m.model = bt.model
    CROSS JOIN hw
    WHERE p_cost IN ('flops', 'eflops') AND bt.method = 'blocktopk'
    GROUP BY bt.config, bt.problem_id, s.setting
),
bon_cost AS (
    SELECT a.config, a.problem_id, s.setting, (a.c0 + s.setting * (a.c1 - a.c0) + coalesce(r.r, 0.0)) / a.trials AS cost,
           a.trials
    FROM bon_affine a
    JOIN bon_settings s ON s.config = a.config AND s.problem_id = a.problem_id
    LEFT JOIN bon_nonaffine r ON r.config = a.config AND r.problem_id = a.problem_id AND r.setting = s.setting
),
bon_arms AS (SELECT DISTINCT config, model, method, budget, block_size FROM bon_problems),
bon AS (
    SELECT a.model, a.method, a.budget, a.block_size, c.config, c.setting, c.problem_id, acc.accuracy, c.cost, c.trials
    FROM bon_cost c
    JOIN bon_accuracy acc ON acc.config = c.config AND acc.problem_id = c.problem_id AND acc.setting = c.setting
    JOIN bon_arms a ON a.config = c.config
),
-- long chain of thought: each trace cut at a generation budget ------------------------------------
lin AS (
    SELECT source, task, problem_id, any_value(prompt_tokens) AS prompt_tokens
    FROM (SELECT source, task, problem_id, prompt_tokens FROM problems WHERE prompt_tokens IS NOT NULL
          UNION ALL
          SELECT source, task, problem_id, prompt_tokens FROM trials WHERE prompt_tokens IS NOT NULL)
    WHERE p_strategy = 'long-cot'
    GROUP BY ALL
),
lc_rows AS (
    SELECT tb.model, tb.method, tb.budget, tb.block_size, tb.source, tb.trial, tb.correct,
           tb.model || ' ' || frontier_label(tb.method, tb.budget, tb.block_size, tb.source) AS config,
           tb.gen_budget AS setting, tb.problem_id, tb.tokens_used,
           CASE WHEN l.prompt_tokens IS NULL
                THEN error('no prompt_tokens for source ' || tb.source || ', problem ' || tb.problem_id
                           || ': ingest its problems or trials rows')
                ELSE l.prompt_tokens END AS lin
    FROM trial_budgets tb
    LEFT JOIN lin l ON l.source = tb.source AND l.task = tb.task AND l.problem_id = tb.problem_id
    WHERE p_strategy = 'long-cot' AND tb.task = p_task
      AND (len(p_models) = 0 OR list_contains(p_models, tb.model))
      AND (len(p_methods) = 0 OR list_contains(p_methods, tb.method))
      AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: tb.source LIKE s)) > 0)
),
lc AS (   -- datasheet costs by exact sums (no ordered aggregate buffering every row); the others: off below
    SELECT r.model, r.method, r.budget, r.block_size, r.config, r.setting, r.problem_id,
           sum(r.correct::INTEGER) / count(*) AS accuracy,
           frontier_exact_sum(frontier_cost_datasheet(p_cost, r.method, m.p, m.hq, m.hkv, m.d, r.lin, r.tokens_used, 1,
                                                      hw.i, coalesce(r.budget, 0), coalesce(r.block_size, 0), p_variant,
                                                      gpus := p_gpus, i_net := hw.i_net, hidden := m.hidden,
                                                      vocab := m.vocab, layers := m.layers, arch := m.arch))
               / count(*) AS cost,
           count(*) AS trials
    FROM lc_rows r JOIN mdl m ON m.model = r.model CROSS JOIN hw
    WHERE p_cost IN ('flops', 'eflops')
    GROUP BY r.model, r.method, r.budget, r.block_size, r.config, r.setting, r.problem_id
),
-- offload-aware costs (rflops, latency, dollars, dollars-throughput) under the connection's offload plan and context
-- (kinetics_sql.costmodel.write_plan): the trials' sums of what their predicted seconds are made of
-- (trial_seconds_terms, summed once per configuration, problem and prompt length; long CoT also per budget), priced per
-- setting by batch_seconds_sums (queries/pricing/macros.sql): offload_cost's and throughput_seconds' seconds to
-- rounding, without pricing every trial at every N.
off_trials AS (   -- setting: NULL for best-of-N (every N applies), the generation budget for long CoT
    SELECT model, method, budget, block_size, config, NULL::INTEGER AS setting, problem_id, lin, lout,
           NULL::INTEGER AS correct
    FROM bon_trials WHERE p_cost NOT IN ('flops', 'eflops')
    UNION ALL
    SELECT model, method, budget, block_size, config, setting, problem_id, lin, tokens_used, correct::INTEGER
    FROM lc_rows WHERE p_cost NOT IN ('flops', 'eflops')
),
off_shapes AS (SELECT DISTINCT model, params, hq, hkv, d_dim, gpus FROM offload_plan WHERE p_cost NOT IN ('flops', 'eflops')),
off_sums AS (
    SELECT model, method, budget, block_size, config, setting, problem_id, lin, count(*) AS trials,
           sum(correct) AS correct, sum(lout::DOUBLE) AS s_lout, frontier_exact_sum(terms.compute) AS s_compute,
           frontier_exact_sum(terms.attention_per_d) AS s_attention_per_d, frontier_exact_sum(terms.kv0) AS s_kv0,
           frontier_exact_sum(terms.kv_per_seq) AS s_kv_per_seq
    FROM (SELECT t.*, trial_seconds_terms(t.method, s.params, s.hq, tp_kv_heads(s.hkv, s.gpus), s.d_dim, t.lin, t.lout,
                                          t.budget, t.block_size, p_variant) AS terms
          FROM off_trials t JOIN off_shapes s ON s.model = t.model)
    GROUP BY ALL
),
off_plan AS (   -- per model and setting: the batch priced (c problems at once in the throughput regime)
    SELECT *, CASE WHEN p_cost = 'dollars-throughput' THEN c ELSE 1 END AS problems_at_once,
           CASE WHEN p_cost = 'dollars-throughput' THEN c * wave_n ELSE wave_n END AS seqs
    FROM (SELECT op.*, batch_problems(op.waves, op.wave_n, op.resident_bytes, op.kv_bytes, cx.vram_bytes,
                                      cx.reserve_bytes) AS c
          FROM offload_plan op CROSS JOIN offload_context cx WHERE p_cost NOT IN ('flops', 'eflops'))
),
off_block AS (   -- block top-k's block-summary reads at every batch the plan prices (not affine in the batch)
    SELECT t.config, t.setting, t.problem_id, t.lin, p.seqs,
           frontier_exact_sum(block_summary_reads(tp_kv_heads(p.hkv, p.gpus), p.d_dim, t.lin, t.lout, p.seqs,
                                                  t.block_size)) AS kv
    FROM off_trials t JOIN (SELECT DISTINCT model, hkv, d_dim, gpus, seqs FROM off_plan) p ON p.model = t.model
    WHERE t.method = 'blocktopk'
    GROUP BY ALL
),
off_priced AS (
    SELECT f.model, f.method, f.budget, f.block_size, f.config, coalesce(f.setting, s.setting) AS setting, f.problem_id,
           f.lin, f.trials, f.correct, p.waves * cx.t0 * f.trials AS t0_sum,
           CASE WHEN p.model IS NULL
                THEN error('no offload plan for ' || f.model || ': the frontier writes it (kinetics_sql.costmodel.write_plan)')
                ELSE p.waves * batch_seconds_sums(f.lin, f.trials, f.s_lout, f.s_compute, f.s_attention_per_d,
                                                  f.s_kv0 + p.seqs * f.s_kv_per_seq + coalesce(b.kv, 0.0), p.seqs,
                                                  p.params, p.hq, p.d_dim, p.layers, p.k_layers, p.read_bytes,
                                                  p.offload_bytes, p.gpus, p.hidden, p.vocab, cx.coef_a, cx.coef_b,
                                                  cx.coef_c, cx.t0, cx.form, cx.prefill_a, cx.prefill_c,
                                                  cx.prefill_batch, cx.step_s, cx.layer_step_s,
                                                  cx.offload_layer_step_s, cx.offload_attn_a,
                                                  cx.prefill_offload_attn_a, cx.net_c, cx.prefill_net_c,
                                                  cx.net_step_s) / p.problems_at_once END AS seconds_sum
    FROM off_sums f
    LEFT JOIN bon_settings s ON f.setting IS NULL AND s.config = f.config AND s.problem_id = f.problem_id
    LEFT JOIN off_plan p ON p.model = f.model AND p.setting = coalesce(f.setting, s.setting)
    LEFT JOIN off_block b ON f.method = 'blocktopk' AND b.config = f.config AND b.setting IS NOT DISTINCT FROM f.setting
                         AND b.problem_id = f.problem_id AND b.lin IS NOT DISTINCT FROM f.lin AND b.seqs = p.seqs
    CROSS JOIN offload_context cx
),
off AS (   -- per configuration, setting and problem: the mean over its trials (sums in prompt-length order: same bits)
    SELECT o.model, o.method, o.budget, o.block_size, o.config, o.setting, o.problem_id,
           CASE WHEN p_strategy = 'best-of-n' THEN any_value(acc.accuracy) ELSE sum(o.correct) / sum(o.trials) END
               AS accuracy,
           CASE p_cost
               WHEN 'latency' THEN sum(o.seconds_sum ORDER BY o.lin) / sum(o.trials)
               WHEN 'rflops' THEN (sum(o.seconds_sum ORDER BY o.lin) - sum(o.t0_sum ORDER BY o.lin)) / sum(o.trials)
                                  / any_value(cx.a_eff)
               WHEN 'dollars' THEN usd_per_1000(sum(o.seconds_sum ORDER BY o.lin) / sum(o.trials), context_price())
               WHEN 'dollars-throughput'
                   THEN usd_per_1000(sum(o.seconds_sum ORDER BY o.lin) / sum(o.trials), context_price())
               ELSE error('unknown cost model ''' || p_cost || ''' (expected flops, eflops, rflops, latency, dollars or '
                          || 'dollars-throughput)')
           END AS cost,
           sum(o.trials) AS trials
    FROM off_priced o
    LEFT JOIN bon_accuracy acc ON p_strategy = 'best-of-n' AND acc.config = o.config AND acc.problem_id = o.problem_id
                              AND acc.setting = o.setting
    CROSS JOIN offload_context cx
    GROUP BY o.model, o.method, o.budget, o.block_size, o.config, o.setting, o.problem_id
)
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost,
       frontier_seconds(p_cost, cost, (SELECT peak_flops FROM hw)) AS seconds, trials, p_gpus::INTEGER AS gpus
FROM (SELECT * FROM bon UNION ALL SELECT * FROM lc UNION ALL SELECT * FROM off
      -- majority, majority-budget and long-cot from lengths: queries/frontier/strategies.sql
      UNION ALL SELECT * FROM {strategy_points}(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods,
                                                p_gpus, p_sources))
WHERE CASE WHEN p_strategy IN ('best-of-n', 'long-cot', 'majority', 'majority-budget') THEN true
           ELSE error('unknown strategy ''' || p_strategy || ''' (expected best-of-n, long-cot, majority or majority-budget)') END;

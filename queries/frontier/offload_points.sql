-- Offload-aware points (rflops, latency, dollars, dollars-throughput) of best-of-N and long CoT for frontier_points
-- (queries/frontier/points_macro.sql; its columns but seconds and gpus), under the connection's offload plan and
-- context (kinetics_sql.costmodel.write_plan): the trials' sums of what their predicted seconds are made of
-- (trial_seconds_terms, summed once per configuration, problem and prompt length; long CoT also per budget), priced
-- per setting by batch_seconds_sums (queries/pricing/macros.sql): offload_cost's and throughput_seconds' seconds to
-- rounding, without pricing every trial at every N. frontier_offload_points_none: the same columns, no rows (the
-- datasheet instances of frontier_points, which DuckDB then binds in a fraction of the time).
CREATE OR REPLACE TEMP MACRO frontier_offload_points(p_task, p_strategy, p_cost, p_variant, p_models, p_methods,
                                                     p_sources) AS TABLE
WITH off_trials AS (   -- setting: NULL for best-of-N (every N applies), the generation budget for long CoT
    SELECT model, method, budget, block_size, config, setting, problem_id, lin, lout, correct::INTEGER AS correct
    FROM frontier_trials(p_task, p_strategy, p_models, p_methods, p_sources)
    WHERE p_cost NOT IN ('flops', 'eflops')
),
bon_accuracy AS (SELECT * FROM frontier_bon_accuracy(p_task, p_models, p_methods, p_sources) WHERE p_strategy = 'best-of-n'),
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
    LEFT JOIN bon_accuracy s ON f.setting IS NULL AND s.config = f.config AND s.problem_id = f.problem_id
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
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials FROM off;

CREATE OR REPLACE TEMP MACRO frontier_offload_points_none(p_task, p_strategy, p_cost, p_variant, p_models, p_methods,
                                                          p_sources) AS TABLE
SELECT * FROM frontier_no_points();

-- Every arm (configuration x setting) on every problem of $task under $strategy, with its predicted seconds in
-- both regimes, from the current offload_context and offload_plan (kinetics_sql.offload.prepare for this task
-- and strategy). The same accuracies and latency as frontier_points (queries/frontier/macros.sql) with
-- --cost latency, computed column-wise by joining the plan instead of one subquery per trial.
INSERT INTO recommend_points
WITH cx AS (SELECT * FROM offload_context),
bon_problems AS (
    SELECT source, task, problem_id, model, method, budget, block_size, n_samples, n_correct, prompt_tokens,
           model || ' ' || frontier_label(method, budget, block_size, source) AS config
    FROM problems
    WHERE $strategy = 'best-of-n' AND task = $task
      AND (len($models) = 0 OR list_contains($models, model))
      AND (len($methods) = 0 OR list_contains($methods, method))
),
bon_counts AS (
    SELECT config, problem_id, sum(n_samples)::INTEGER AS n_samples, sum(n_correct)::INTEGER AS n_correct
    FROM bon_problems GROUP BY ALL
),
bon_settings AS (   -- coverage once per configuration, problem and N (not per trial)
    SELECT config, problem_id, setting, frontier_coverage(n_samples, n_correct, setting) AS accuracy
    FROM (SELECT config, problem_id, n_samples, n_correct, (2 ** k)::INTEGER AS setting
          FROM bon_counts, range(0, 31) r(k)
          WHERE 2 ** k <= n_samples)
),
bon AS (
    SELECT b.model, b.method, b.budget, b.block_size, b.config, s.setting, b.problem_id, s.accuracy,
           coalesce(t.prompt_tokens, b.prompt_tokens) AS lin, t.gen_tokens AS lout, s.setting AS n, t.source, t.trial
    FROM bon_problems b
    JOIN trials t ON t.source = b.source AND t.task = b.task AND t.problem_id = b.problem_id
    JOIN bon_settings s ON s.config = b.config AND s.problem_id = b.problem_id
),
lin AS (
    SELECT source, task, problem_id, any_value(prompt_tokens) AS prompt_tokens
    FROM (SELECT source, task, problem_id, prompt_tokens FROM problems WHERE prompt_tokens IS NOT NULL
          UNION ALL
          SELECT source, task, problem_id, prompt_tokens FROM trials WHERE prompt_tokens IS NOT NULL)
    GROUP BY ALL
),
lc AS (
    SELECT tb.model, tb.method, tb.budget, tb.block_size,
           tb.model || ' ' || frontier_label(tb.method, tb.budget, tb.block_size, tb.source) AS config,
           tb.gen_budget AS setting, tb.problem_id, tb.correct::DOUBLE AS accuracy,
           CASE WHEN l.prompt_tokens IS NULL
                THEN error('no prompt_tokens for source ' || tb.source || ', problem ' || tb.problem_id
                           || ': ingest its problems or trials rows')
                ELSE l.prompt_tokens END AS lin,
           tb.tokens_used AS lout, 1 AS n, tb.source, tb.trial
    FROM trial_budgets tb
    LEFT JOIN lin l ON l.source = tb.source AND l.task = tb.task AND l.problem_id = tb.problem_id
    WHERE $strategy = 'long-cot' AND tb.task = $task
      AND (len($models) = 0 OR list_contains($models, tb.model))
      AND (len($methods) = 0 OR list_contains($methods, tb.method))
),
planned AS (
    SELECT x.*, op.k_layers, op.layers, op.waves, op.wave_n, op.params AS pl_params, op.hq AS pl_hq, op.hkv AS pl_hkv,
           op.d_dim AS pl_d, op.read_bytes AS pl_read_bytes, op.offload_bytes AS pl_offload_bytes, op.gpus AS pl_gpus,
           op.hidden AS pl_hidden, op.vocab AS pl_vocab,
           batch_problems(op.waves, op.wave_n, op.resident_bytes, op.kv_bytes, cx.vram_bytes, cx.reserve_bytes) AS c,
           op.waves * batch_seconds(x.method, x.lin, x.lout, coalesce(x.budget, 0), coalesce(x.block_size, 0), $variant,
                                    op.wave_n, op.params, op.hq, op.hkv, op.d_dim, op.layers, op.k_layers, op.read_bytes,
                                    op.offload_bytes, op.gpus, op.hidden, op.vocab, cx.coef_a, cx.coef_b, cx.coef_c,
                                    cx.t0, cx.form, cx.prefill_a, cx.prefill_c, cx.prefill_batch, cx.step_s,
                                    cx.layer_step_s, cx.offload_layer_step_s, cx.offload_attn_a,
                                    cx.prefill_offload_attn_a, cx.net_c, cx.prefill_net_c, cx.net_step_s) AS latency_s
    FROM (SELECT * FROM bon UNION ALL SELECT * FROM lc) x
    JOIN offload_plan op ON op.model = x.model AND op.setting = x.setting AND op.strategy = $strategy
    CROSS JOIN cx
),
trial_costs AS (   -- throughput: c problems at once; one problem (c = 1) costs what it costs alone
    SELECT p.*,
           CASE WHEN p.c = 1 THEN p.latency_s
                ELSE p.waves * batch_seconds(p.method, p.lin, p.lout, coalesce(p.budget, 0), coalesce(p.block_size, 0),
                                             $variant, p.c * p.wave_n, p.pl_params, p.pl_hq, p.pl_hkv, p.pl_d, p.layers,
                                             p.k_layers, p.pl_read_bytes, p.pl_offload_bytes, p.pl_gpus, p.pl_hidden,
                                             p.pl_vocab, cx.coef_a, cx.coef_b, cx.coef_c, cx.t0, cx.form, cx.prefill_a,
                                             cx.prefill_c, cx.prefill_batch, cx.step_s, cx.layer_step_s,
                                             cx.offload_layer_step_s, cx.offload_attn_a, cx.prefill_offload_attn_a,
                                             cx.net_c, cx.prefill_net_c, cx.net_step_s) / p.c
           END AS throughput_s
    FROM planned p CROSS JOIN cx
)
-- per problem: best-of-N coverage is one value (min is exact); a long-CoT mean of 0/1 verdicts is exact in any
-- order; the mean seconds may differ in the last bit between runs (unordered sums: ordering them costs ~2x here)
SELECT $task, $strategy, model, method, budget, block_size, config, setting, problem_id,
       CASE WHEN $strategy = 'best-of-n' THEN min(accuracy) ELSE avg(accuracy) END,
       avg(latency_s), avg(throughput_s),
       any_value(k_layers), any_value(layers), any_value(waves), any_value(wave_n), any_value(c), count(*)
FROM trial_costs
GROUP BY ALL;

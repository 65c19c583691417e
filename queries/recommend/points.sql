-- Every arm (configuration x setting) on every problem of $task under $strategy, with its predicted seconds in
-- both regimes under the current offload_context and offload_plan (kinetics_sql.costmodel.write_plan for this task
-- and strategy): the trials' sums of recommend_features (queries/recommend/features.sql) priced by
-- batch_seconds_sums (queries/pricing/macros.sql), block top-k's block-summary reads from recommend_block_kv
-- (block_kv.sql).
-- The accuracies of frontier_points (queries/frontier/points_macro.sql), and its seconds with --cost latency to
-- rounding (sums of terms rather than a mean of per-trial seconds).
INSERT INTO recommend_points
WITH cx AS (SELECT * FROM offload_context),
planned AS (
    SELECT f.*, op.k_layers, op.layers, op.waves, op.wave_n, op.params AS pl_params, op.hq AS pl_hq,
           op.d_dim AS pl_d, op.read_bytes AS pl_read_bytes, op.offload_bytes AS pl_offload_bytes,
           op.gpus AS pl_gpus, op.hidden AS pl_hidden, op.vocab AS pl_vocab,
           batch_problems(op.waves, op.wave_n, op.resident_bytes, op.kv_bytes, cx.vram_bytes, cx.reserve_bytes) AS c,
           CASE WHEN $strategy = 'long-cot' THEN f.setting ELSE 0 END AS setting_key, coalesce(f.lin, -1) AS lin_key
    FROM recommend_features f
    JOIN offload_plan op ON op.model = f.model AND op.setting = f.setting AND op.strategy = $strategy
    CROSS JOIN cx
),
kv AS (   -- KV reads of a batch of wave_n sequences (latency) and of c * wave_n (throughput, c problems at once)
    SELECT p.*,
           p.s_kv0 + p.wave_n * p.s_kv_per_seq
           + CASE WHEN p.method = 'blocktopk'
                  THEN coalesce(bl.kv, error('no block top-k KV sums for this plan: run recommend/block_kv.sql'))
                  ELSE 0.0 END AS kv_latency,
           p.s_kv0 + p.c * p.wave_n * p.s_kv_per_seq
           + CASE WHEN p.method = 'blocktopk' AND p.c > 1
                  THEN coalesce(bt.kv, error('no block top-k KV sums for this plan: run recommend/block_kv.sql'))
                  ELSE 0.0 END AS kv_throughput
    FROM planned p
    LEFT JOIN recommend_block_kv bl ON p.method = 'blocktopk' AND bl.config = p.config AND bl.setting_key = p.setting_key
                                   AND bl.problem_id = p.problem_id AND bl.lin_key = p.lin_key AND bl.seqs = p.wave_n
    LEFT JOIN recommend_block_kv bt ON p.method = 'blocktopk' AND bt.config = p.config AND bt.setting_key = p.setting_key
                                   AND bt.problem_id = p.problem_id AND bt.lin_key = p.lin_key
                                   AND bt.seqs = p.c * p.wave_n
),
priced AS (
    SELECT k.*,
           k.waves * batch_seconds_sums(k.lin, k.trials, k.s_lout, k.s_compute, k.s_attention_per_d, k.kv_latency,
                                        k.wave_n, k.pl_params, k.pl_hq, k.pl_d, k.layers, k.k_layers, k.pl_read_bytes,
                                        k.pl_offload_bytes, k.pl_gpus, k.pl_hidden, k.pl_vocab, cx.coef_a, cx.coef_b,
                                        cx.coef_c, cx.t0, cx.form, cx.prefill_a, cx.prefill_c, cx.prefill_batch,
                                        cx.step_s, cx.layer_step_s, cx.offload_layer_step_s, cx.offload_attn_a,
                                        cx.prefill_offload_attn_a, cx.net_c, cx.prefill_net_c, cx.net_step_s)
               AS latency_sum,
           -- throughput: c problems at once; one problem (c = 1) costs what it costs alone
           CASE WHEN k.c > 1
                THEN k.waves * batch_seconds_sums(k.lin, k.trials, k.s_lout, k.s_compute, k.s_attention_per_d,
                                                  k.kv_throughput, k.c * k.wave_n, k.pl_params, k.pl_hq, k.pl_d,
                                                  k.layers, k.k_layers, k.pl_read_bytes, k.pl_offload_bytes,
                                                  k.pl_gpus, k.pl_hidden, k.pl_vocab, cx.coef_a, cx.coef_b, cx.coef_c,
                                                  cx.t0, cx.form, cx.prefill_a, cx.prefill_c, cx.prefill_batch,
                                                  cx.step_s, cx.layer_step_s, cx.offload_layer_step_s,
                                                  cx.offload_attn_a, cx.prefill_offload_attn_a, cx.net_c,
                                                  cx.prefill_net_c, cx.net_step_s) / k.c
           END AS throughput_sum
    FROM kv k CROSS JOIN cx
)
-- per problem: best-of-N coverage is one value (min is exact); long CoT, the share of traces correct; the mean
-- seconds may differ in the last bit between runs (unordered sums)
SELECT $task, $strategy, model, method, budget, block_size, config, setting, problem_id,
       CASE WHEN $strategy = 'best-of-n' THEN min(accuracy) ELSE sum(correct) / sum(trials) END,
       sum(latency_sum) / sum(trials), sum(coalesce(throughput_sum, latency_sum)) / sum(trials),
       any_value(k_layers), any_value(layers), any_value(waves), any_value(wave_n), any_value(c), sum(trials)
FROM priced
GROUP BY model, method, budget, block_size, config, setting, problem_id;

-- requires: fit/macros, macros/010_arch
-- Regression features (fit/features.sql's columns) of best-of-N runs decoded together (runners/vllmrun.py
-- `--together`: extra.schedule = 'together', extra.lengths = each sample's tokens), for predicting their wall time
-- with a fit, no refit. $engine, $device, $sources as fit/features.sql. One GPU, nothing offloaded.
--
-- The N samples start together and each stops at its own length: with the lengths sorted L_1 <= ... <= L_N, decode
-- steps L_{j-1} + 1 .. L_j run a live batch of N - j + 1 sequences. Each feature is cumulative in the steps of a
-- batch that started together, so a segment's is feature(batch, L_j) - feature(batch, L_{j-1}); the run's features
-- are the sums over segments (weights read, per-step overheads paid, at every step until the longest sample ends;
-- each sample's KV reads and compute only over its own length), the prompt's those of N sequences at once, and the
-- constant once per target.
WITH x AS (
    SELECT r.source, r.run_id, r.seq, r.engine, r.device, m.name AS model, r.batch, r.prompt_tokens, r.gen_tokens,
           r.prefill_s, r.decode_s, r.total_s, coalesce(r.weight_bytes::DOUBLE, 2.0 * m.params) AS wbytes,
           m.params AS p, coalesce(m.active_params, m.params) AS p_active, m.hq, m.hkv,
           (m.head_dim * m.layers)::DOUBLE AS d, m.layers, m.vocab, m.hidden, m.tied_embeddings,
           m.moe_layers, m.expert_params, m.experts, m.experts_per_token,
           list_sort(json_extract(r.extra, '$.lengths')::INTEGER[]) AS lengths
    FROM measurements r
    JOIN models m ON lower(m.name) = lower(r.model)
    WHERE lower(r.engine) = lower($engine) AND contains(lower(r.device), lower($device))
      AND json_extract_string(r.extra, '$.schedule') = 'together'
      AND r.offload_bytes = 0 AND coalesce(r.tensor_parallel_size, 1) = 1
      AND (len($sources) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: contains(coalesce(r.source, ''), s))) > 0)
),
seg AS (   -- segment j: batch N - j + 1 from step L_{j-1} (0 for j = 1) to L_j
    SELECT x.*, j, len(lengths) - j + 1 AS b, coalesce(lengths[j - 1], 0) AS l0, lengths[j] AS l1
    FROM x, range(1, len(lengths) + 1) r(j)
),
f AS (
    SELECT seg.*,
           greatest(0.0, fit_resident_bytes(wbytes, 0, p, vocab, hidden, tied_embeddings)
                         - moe_layers::DOUBLE * expert_params::DOUBLE
                           * (experts::DOUBLE - moe_experts_touched(experts, experts_per_token, b)) * wbytes / p)
               AS resident_bytes
    FROM seg
)
SELECT source, run_id, seq, any_value(engine) AS engine, any_value(device) AS device, model, any_value(batch) AS batch,
       any_value(prompt_tokens) AS prompt_tokens, any_value(gen_tokens) AS gen_tokens,
       any_value(prefill_s) AS prefill_s, any_value(decode_s) AS decode_s, any_value(total_s) AS total_s,
       sum(fit_compute('dense', p_active, hq, d, prompt_tokens, l1, b, 0, 0, 'exact')
           - fit_compute('dense', p_active, hq, d, prompt_tokens, l0, b, 0, 0, 'exact')) AS compute,
       sum(fit_hbm_bytes('dense', resident_bytes, hkv, d, prompt_tokens, l1, b, 0, 0, 'exact')
           - fit_hbm_bytes('dense', resident_bytes, hkv, d, prompt_tokens, l0, b, 0, 0, 'exact')) AS hbm_bytes,
       0.0 AS link_bytes, 0.0 AS net_bytes,
       any_value(fit_prefill_flops(p_active, hq, d, prompt_tokens, batch)) AS prefill_flops,
       0.0 AS prefill_link, 0.0 AS prefill_offload_attn_flops, 0.0 AS prefill_net,
       0.0 AS decode_link, 0.0 AS offload_attn_flops, 0.0 AS offload_layer_steps, 0.0 AS decode_net, 0.0 AS net_steps,
       sum(resident_bytes * (l1 - l0)) AS weight_reads,
       sum(fit_kv_bytes('dense', hkv, d, prompt_tokens, l1, b, 0, 0)
           - fit_kv_bytes('dense', hkv, d, prompt_tokens, l0, b, 0, 0)) AS kv_bytes,
       sum(b::DOUBLE * (l1 - l0)) AS seq_steps,
       max(l1)::DOUBLE AS steps,
       max(l1)::DOUBLE * any_value(layers) AS layer_steps,
       max(l1)::DOUBLE * coalesce(any_value(moe_layers), 0) AS moe_layer_steps
FROM f
GROUP BY source, run_id, seq, model
ORDER BY run_id, seq;

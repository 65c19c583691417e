-- requires: fit/macros, macros/010_arch, macros/040_tensor_parallel
-- Regression features of every measurement of one engine on one device (see fit/macros.sql).
-- $engine: engine name (case-insensitive); $device: case-insensitive substring of the device name;
-- $sources: substrings of measurements.source (the ingested file) to keep, or [] for all.
-- Measurements of models not in the catalog (toy models) are left out.
WITH ms AS (
    SELECT x.*, m.name AS catalog_model, m.params AS p, m.hq, m.hkv, (m.head_dim * m.layers)::DOUBLE AS d,
           -- MoE: compute counts the active parameters; a step reads the shared weights and the experts a batch of
           -- that size touches (moe_experts_touched, queries/macros/010_arch.sql); dense: both are every parameter
           coalesce(m.active_params, m.params) AS p_active,
           coalesce(m.moe_layers, 0)::DOUBLE * coalesce(m.expert_params, 0)::DOUBLE
               * (coalesce(m.experts, 0)::DOUBLE - moe_experts_touched(m.experts, m.experts_per_token, x.batch))
               AS untouched_params,
           coalesce(m.moe_layers, 0)::DOUBLE AS moe_layers,
           m.layers AS catalog_layers, m.vocab, m.hidden, m.tied_embeddings,
           coalesce(x.weight_bytes::DOUBLE, 2.0 * m.params) AS wbytes,
           coalesce(x.prefill_batch, greatest(x.prompt_tokens, 1))::DOUBLE AS pbatch,
           coalesce(x.attention, 'dense') AS method,
           coalesce(x.tensor_parallel_size, 1)::DOUBLE AS tp   -- GPUs per layer; features below are per GPU
    FROM measurements x
    JOIN models m ON lower(m.name) = lower(x.model)
    WHERE lower(x.engine) = lower($engine) AND contains(lower(x.device), lower($device))
      -- decode-only runs over a synthetic prompt cache (no prefill was timed) cannot train a latency model
      AND coalesce(json_extract_string(x.extra, '$.prefill'), 'forward') <> 'synthetic_kv'
      -- best-of-N runs decoded together (samples of unequal lengths) are wall times of a schedule, not decode steps
      AND coalesce(json_extract_string(x.extra, '$.schedule'), '') <> 'together'
      AND (len($sources) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: contains(coalesce(x.source, ''), s))) > 0)
), f AS (
    SELECT *,
           greatest(0.0, fit_resident_bytes(wbytes, offload_bytes, p, vocab, hidden, tied_embeddings)
                         - untouched_params * wbytes / p) / tp AS resident_bytes
    FROM ms
)
SELECT source, run_id, seq, engine, device, catalog_model AS model, n_layers, n_gpu_layers, layers_offloaded,
       offload_mode, offload_bytes::DOUBLE AS offload_bytes, wbytes AS weight_bytes, resident_bytes,
       batch, prompt_tokens, gen_tokens, pbatch AS prefill_batch, "repeat", tp::INTEGER AS tensor_parallel_size,
       prefill_s, decode_s, total_s,
       fit_compute(method, p_active, hq, d, prompt_tokens, gen_tokens, batch, coalesce(budget, 0),
                   coalesce(block_size, 0), 'exact') / tp AS compute,
       fit_hbm_bytes(method, resident_bytes, tp_kv_heads(hkv, tp), d, prompt_tokens, gen_tokens, batch,
                     coalesce(budget, 0), coalesce(block_size, 0), 'exact') AS hbm_bytes,
       fit_link_bytes(offload_bytes / tp, prompt_tokens, gen_tokens, batch, pbatch) AS link_bytes,
       fit_prefill_flops(p_active, hq, d, prompt_tokens, batch) / tp AS prefill_flops,
       fit_prefill_link(offload_bytes / tp, prompt_tokens, pbatch) AS prefill_link,
       offload_bytes::DOUBLE / tp * gen_tokens::DOUBLE AS decode_link,
       fit_net_bytes(hidden, vocab, catalog_layers, prompt_tokens, gen_tokens, batch, tp) AS net_bytes,
       fit_net_bytes(hidden, vocab, catalog_layers, prompt_tokens, 0, batch, tp) AS prefill_net,
       fit_net_bytes(hidden, vocab, catalog_layers, 0, gen_tokens, batch, tp) AS decode_net,
       fit_net_steps(catalog_layers, gen_tokens, tp) AS net_steps,
       resident_bytes * gen_tokens::DOUBLE AS weight_reads,
       fit_kv_bytes(method, tp_kv_heads(hkv, tp), d, prompt_tokens, gen_tokens, batch, coalesce(budget, 0),
                    coalesce(block_size, 0)) AS kv_bytes,
       batch::DOUBLE * gen_tokens::DOUBLE AS seq_steps,
       gen_tokens::DOUBLE AS steps,
       gen_tokens::DOUBLE * catalog_layers::DOUBLE AS layer_steps,
       -- MoE layers' own per-step work (router, top-k, expert alignment, grouped-GEMM launches): 0 for dense models
       gen_tokens::DOUBLE * moe_layers AS moe_layer_steps,
       gen_tokens::DOUBLE * layers_offloaded::DOUBLE AS offload_layer_steps,
       fit_offload_attn_flops(offload_mode, method, prompt_tokens, gen_tokens, batch, hq, d / catalog_layers,
                              layers_offloaded, coalesce(budget, 0), coalesce(block_size, 0), 'exact')
           AS offload_attn_flops,
       fit_prefill_offload_attn_flops(offload_mode, prompt_tokens, batch, hq, d / catalog_layers,
                                      layers_offloaded) AS prefill_offload_attn_flops
FROM f
ORDER BY run_id, seq;

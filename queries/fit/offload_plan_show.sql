-- requires: pricing/context, pricing/plan
-- The VRAM plan (queries/pricing/plan.sql) of $task and $strategy under the pricing context $pricing, in readable
-- units: per model and setting, offloaded layers k of all, waves, GB.
SELECT strategy, model, setting, n_trials AS n, waves, wave_n, k_layers AS k, layers, k_layers > 0 AS offloaded, fits,
       ctx_tokens, weight_bytes / 1e9 AS weights_gb, kv_bytes / 1e9 AS kv_gb, resident_bytes / 1e9 AS resident_gb,
       offload_bytes / 1e9 AS offload_gb, vram_needed / 1e9 AS vram_needed_gb
FROM pricing_plan(pricing_context($pricing), $task, $strategy, []::VARCHAR[])
ORDER BY strategy, model, setting;

-- The coefficients and VRAM limit of offload-aware costs (one row after kinetics_sql.offload.prepare).
SELECT task, strategy, engine, hardware, coefficients, form, coef_a AS a, coef_b AS b, coef_c AS c, t0,
       prefill_a, prefill_c, step_s, layer_step_s, offload_layer_step_s, offload_attn_a, prefill_offload_attn_a, a_eff, coef_b / a_eff AS i_gpu, coef_c / a_eff AS i_link,
       vram_bytes / 1e9 AS vram_gb, reserve_bytes / 1e9 AS reserve_gb, prefill_batch
FROM offload_context;

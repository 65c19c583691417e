-- Set the coefficients and VRAM limit of offload-aware costs (one row; see fit/offload.sql).
INSERT INTO offload_context (task, strategy, engine, hardware, coefficients, form, coef_a, coef_b, coef_c, t0, prefill_a, prefill_c, step_s,
                             layer_step_s, offload_layer_step_s, offload_attn_a, prefill_offload_attn_a, a_eff, vram_bytes, reserve_bytes, prefill_batch,
                             gpus, net_c, prefill_net_c, net_step_s)
VALUES ($task, $strategy, $engine, $hardware, $coefficients, $form, $a, $b, $c, $t0, $prefill_a, $prefill_c, $step_s,
        $layer_step_s, $offload_layer_step_s, $offload_attn_a, $prefill_offload_attn_a, $a_eff, $vram_bytes, $reserve_bytes, $prefill_batch,
        $gpus, $net_c, $prefill_net_c, $net_step_s);

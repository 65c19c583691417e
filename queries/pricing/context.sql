-- requires: macros/020_price
-- The pricing context: one STRUCT holding everything that turns work into seconds and dollars, passed to every pricing
-- macro as an argument (kinetics_sql.costmodel.pricing_context builds it; no session table holds it):
--   hardware, coefficients (label), engine, form ('plain' | 'split')
--   a, b, c, t0             seconds per FLOP, per HBM byte, per link byte, per batch (latency = a*FLOPs + b*bytes + ...)
--   a_eff                   a, or 1/peak where a fit left a = 0 (rFLOPs = (latency - t0) / a_eff)
--   prefill_a ... prefill_offload_attn_a   the split form's terms (0 in the plain form; moe_layer_step_s: per MoE
--                                          layer and step, 0 where no MoE run trained the fit)
--   net_c, prefill_net_c, net_step_s      the interconnect's (tensor parallel; 0 on one GPU)
--   vram_bytes (NULL: unlimited), reserve_bytes, prefill_batch (prompt tokens per forward pass), gpus (tensor parallel)
CREATE OR REPLACE TEMP MACRO pricing_context(p) AS
    p::STRUCT(hardware VARCHAR, coefficients VARCHAR, engine VARCHAR, form VARCHAR, a DOUBLE, b DOUBLE, c DOUBLE,
              t0 DOUBLE, a_eff DOUBLE, prefill_a DOUBLE, prefill_c DOUBLE, step_s DOUBLE, layer_step_s DOUBLE,
              moe_layer_step_s DOUBLE, offload_layer_step_s DOUBLE, offload_attn_a DOUBLE, prefill_offload_attn_a DOUBLE, net_c DOUBLE,
              prefill_net_c DOUBLE, net_step_s DOUBLE, vram_bytes DOUBLE, reserve_bytes DOUBLE, prefill_batch DOUBLE,
              gpus DOUBLE);

-- USD per hour of the context's gpus GPUs of its hardware (per GPU-hour x gpus): turns seconds into dollars and back.
CREATE OR REPLACE TEMP MACRO pricing_usd_per_hour(cx) AS hardware_price(cx.hardware) * coalesce(cx.gpus, 1.0);

-- The prompt length a trial without a recorded one (the Best-of-Infinity answer tables carry no prompt text) is priced
-- with: 0 tokens, i.e. generation only. Stated wherever it is used (recommend's notes, docs/pricing.md).
CREATE OR REPLACE TEMP MACRO pricing_default_prompt_tokens() AS 0;

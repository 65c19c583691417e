-- Offload-aware costs for frontiers: rFLOPs with fitted (or datasheet) coefficients, and predicted
-- latency, under a VRAM limit. Created on the connection by kinetics_sql.offload (TEMP tables and
-- macros; queries/frontier/macros.sql calls offload_cost for --cost rflops and --cost latency).
--
-- offload_context: one row, the coefficients in use (a fit of kinetics-sql fit, or the datasheet:
--   a = 1/peak, b = 1/HBM bytes/s, c = 1/link bytes/s, t0 = 0) and the VRAM limit.
-- offload_plan: per model and setting (N of best-of-N, or a generation budget), the smallest
--   offload depth k that fits: bf16 weights - k layers + KV(prompt + n * generation length) + reserve
--   <= VRAM. When the KV of n trials does not fit next to the non-layer weights even with every layer
--   offloaded, the trials run in `waves` sequential batches of wave_n (the fewest that fit).
CREATE TEMP TABLE IF NOT EXISTS offload_context (
    task VARCHAR, strategy VARCHAR, engine VARCHAR, hardware VARCHAR, coefficients VARCHAR, form VARCHAR,
    coef_a DOUBLE, coef_b DOUBLE, coef_c DOUBLE, t0 DOUBLE, prefill_a DOUBLE, prefill_c DOUBLE, step_s DOUBLE, layer_step_s DOUBLE,
    offload_layer_step_s DOUBLE,
    offload_attn_a DOUBLE,        -- seconds per attention FLOP of offloaded layers run on the CPU (split form)
    prefill_offload_attn_a DOUBLE,
    a_eff DOUBLE,                 -- a, or 1/peak where the fit left a = 0 (rFLOPs = (latency - t0) / a_eff)
    vram_bytes DOUBLE, reserve_bytes DOUBLE, prefill_batch DOUBLE,
    -- tensor parallelism (queries/macros/040_tensor_parallel.sql): GPUs per layer (vram_bytes is each one's),
    -- seconds per interconnect byte in decode and prompt, seconds per collective in decode
    gpus DOUBLE, net_c DOUBLE, prefill_net_c DOUBLE, net_step_s DOUBLE
);

CREATE TEMP TABLE IF NOT EXISTS offload_plan (
    strategy VARCHAR, model VARCHAR, setting INTEGER,
    params DOUBLE, hq INTEGER, hkv INTEGER, d_dim DOUBLE, layers INTEGER,
    n_trials INTEGER, waves INTEGER, wave_n INTEGER, k_layers INTEGER,
    ctx_tokens DOUBLE, weight_bytes DOUBLE, layer_bytes DOUBLE, kv_bytes DOUBLE,
    resident_bytes DOUBLE,        -- weight bytes on the GPU
    read_bytes DOUBLE,            -- of those, read per decode step (less an untied model's input embedding)
    offload_bytes DOUBLE, vram_needed DOUBLE, fits BOOLEAN,
    hidden DOUBLE, vocab DOUBLE, gpus DOUBLE   -- the bytes above are one GPU's of `gpus` (tensor parallel)
);

-- The cost of a configuration on a problem trial of lout tokens: 'latency', predicted seconds of
-- waves x one batch of wave_n trials (the features of queries/fit/macros.sql times the context's
-- coefficients), or 'rflops' = (latency - t0) / a: compute + i_gpu * HBM bytes + i_link * link bytes
-- in the plain form. (Columns are qualified by op_/oc_ so that no argument expression can collide.)
-- On gpus = T > 1 (tensor parallel) it is one GPU's: compute / T, its KV heads, its weight and offload
-- bytes (the plan's), plus the interconnect: net_c * bytes of the decoded tokens' collectives, prefill_net_c
-- * the prompt's, net_step_s per collective; every added term is 0 when T = 1.
CREATE OR REPLACE TEMP MACRO offload_cost(cost_model, model_name, setting_value, method, lin, lout, budget, block_size, variant) AS (
    SELECT CASE cost_model
               WHEN 'latency' THEN oq_.sec_
               WHEN 'rflops' THEN (oq_.sec_ - oq_.waves_ * oq_.t0_) / oq_.a_eff_
           END
    FROM (
        SELECT op_.waves AS waves_, oc_.t0 AS t0_, oc_.a_eff AS a_eff_,
               op_.waves * (
                   oc_.coef_a * compute_flops(method, op_.params, op_.hq, op_.d_dim, lin, lout, op_.wave_n,
                                         budget := budget, block_size := block_size, variant := variant) / op_.gpus
                   + oc_.coef_b * (op_.read_bytes * lout::DOUBLE
                              + kv_reads(method, tp_kv_heads(op_.hkv, op_.gpus), op_.d_dim, lin, lout, op_.wave_n,
                                         budget := budget, block_size := block_size, variant := variant))
                   + oc_.coef_c * op_.offload_bytes * CASE WHEN oc_.form = 'split' THEN lout::DOUBLE
                                                      ELSE forward_passes(lin, lout, op_.wave_n, prefill_batch := oc_.prefill_batch) END
                   + oc_.prefill_a * op_.wave_n * (2.0 * op_.params * lin::DOUBLE + 2.0 * lin::DOUBLE * lin::DOUBLE * op_.hq * op_.d_dim)
                     / op_.gpus
                   + oc_.prefill_c * op_.offload_bytes * ceil(lin::DOUBLE / oc_.prefill_batch)
                   + oc_.step_s * lout::DOUBLE + oc_.layer_step_s * lout::DOUBLE * op_.layers
                   + oc_.offload_layer_step_s * lout::DOUBLE * op_.k_layers
                   + oc_.offload_attn_a * compute_flops(method, 0, op_.hq, (op_.d_dim / op_.layers) * op_.k_layers, lin, lout,
                                                        op_.wave_n, budget := budget, block_size := block_size,
                                                        variant := variant)
                   + oc_.prefill_offload_attn_a * op_.wave_n * 2.0 * lin::DOUBLE * lin::DOUBLE
                     * op_.hq * (op_.d_dim / op_.layers) * op_.k_layers
                   + oc_.net_c * tp_comm_bytes(op_.hidden, op_.vocab, op_.layers, op_.wave_n * lout::DOUBLE, op_.gpus)
                   + oc_.prefill_net_c * tp_comm_bytes(op_.hidden, op_.vocab, op_.layers, lin, op_.gpus)
                   + oc_.net_step_s * CASE WHEN op_.gpus > 1 THEN lout::DOUBLE * (2.0 * op_.layers + 1.0) ELSE 0.0 END
                   + oc_.t0
               ) AS sec_
        FROM offload_plan op_, offload_context oc_
        WHERE op_.model = model_name AND op_.setting = setting_value
    ) oq_
);

-- seconds of a frontier cost: latency is seconds already; FLOPs and rFLOPs are divided by the peak (rFLOPs weigh
-- bytes by i_gpu = peak / HBM: the roofline). eFLOPs weigh KV bytes by i = 2 * peak / HBM, so eFLOPs / peak would
-- count the memory time twice: they are divided by i * HBM = 2 * peak, the Kinetics figures' "B200 seconds"
-- (Tera-eFLOPs / 4500 on the B200): KV bytes at HBM bandwidth, compute at twice the dense peak (the paper's B200
-- peak). The roofline seconds of one configuration (compute at the peak): `kinetics-sql cost`'s seconds.
-- dollars (USD per 1,000 problems): the GPU-seconds they pay for (queries/pricing/macros.sql).
CREATE OR REPLACE TEMP MACRO frontier_seconds(cost_model, cost, peak_flops) AS
    CASE WHEN cost_model = 'latency' THEN cost
         WHEN cost_model IN ('dollars', 'dollars-throughput') THEN cost * 3.6 / context_price()
         WHEN cost_model = 'eflops' THEN cost / (2.0 * peak_flops)
         ELSE cost / peak_flops END;

-- Tera units of a FLOP-like cost (flops, eflops, rflops): cost / 1e12; NULL for latency (seconds) and dollars (USD per
-- 1,000 problems), whose numbers are in their own units already (a column cost_tera of them would read as Tera-FLOPs).
CREATE OR REPLACE TEMP MACRO frontier_tera(cost_model, cost) AS
    CASE WHEN cost_model IN ('flops', 'eflops', 'rflops') THEN cost / 1e12 END;

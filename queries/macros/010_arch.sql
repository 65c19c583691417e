-- requires: macros/001_cost, macros/003_catalog
-- Architectures beyond a dense transformer (README "Mixture of experts, sliding windows, hybrid SSMs").
-- Same units as the Kinetics macros (001_cost.sql): FLOPs; KV reads in elements, 4 * hkv * head_dim per
-- attended token, layer and step (dense: 2 * (2*lin + n*lout) * lout * hkv * D = 4 * S * hkv * D).
-- Every macro reduces to its Kinetics counterpart for a dense model (no experts, windows or SSM layers).

-- Expected distinct experts that `batch` tokens touch in one MoE layer when each picks k of the E
-- experts uniformly at random: E * (1 - (1 - k/E)^batch). k at batch 1; grows towards E with the batch.
CREATE OR REPLACE TEMP MACRO moe_experts_touched(experts, k, batch) AS
    CASE WHEN experts::DOUBLE <= 0 THEN 0.0
         ELSE experts::DOUBLE * (1.0 - pow(1.0 - k::DOUBLE / experts::DOUBLE, batch::DOUBLE)) END;

-- Parameters one decode step of a batch reads: everything but the routed experts, plus the experts touched.
CREATE OR REPLACE TEMP MACRO moe_step_params(params, expert_params, moe_layers, experts, k, batch) AS
    params::DOUBLE - moe_layers::DOUBLE * experts::DOUBLE * expert_params::DOUBLE
    + moe_layers::DOUBLE * expert_params::DOUBLE * moe_experts_touched(experts, k, batch);

-- Parameter reads of lout decode steps of a batch (param_reads' convention, 2 * p * lout); batch 1: active params.
CREATE OR REPLACE TEMP MACRO moe_param_reads(params, expert_params, moe_layers, experts, k, batch, lout) AS
    2.0 * moe_step_params(params, expert_params, moe_layers, experts, k, batch) * lout::DOUBLE;

-- Attended KV tokens summed over lout steps of a sliding-window layer: each step reads the last
-- `win` tokens plus `sinks` sink tokens, at most the whole context (Kinetics' exact S with b = win + sinks).
CREATE OR REPLACE TEMP MACRO window_token_steps(lin, lout, win, sinks := 0) AS
    kv_token_steps(lin, lout, win::DOUBLE + sinks::DOUBLE, 'exact');

-- SSM (Mamba-2) state of every SSM layer, read and written back once per decode step of each trial.
CREATE OR REPLACE TEMP MACRO ssm_state_reads(ssm_layers, ssm_state, lout, n) AS
    2.0 * n::DOUBLE * lout::DOUBLE * ssm_layers::DOUBLE * ssm_state::DOUBLE;

-- What windowed and SSM layers add to Kinetics' compute and reads (zero for a dense model; the frontier adds
-- them to its per-GPU costs): windowed attention compute and KV reads, SSM state update FLOPs and state reads.
CREATE OR REPLACE TEMP MACRO arch_extra_compute(hq, d_window, win, sinks, ssm_layers, ssm_state, lin, lout, n) AS
    CASE WHEN d_window::DOUBLE > 0
         THEN n::DOUBLE * 4.0 * window_token_steps(lin, lout, win, sinks := sinks) * hq::DOUBLE * d_window::DOUBLE
         ELSE 0.0 END
    + 4.0 * n::DOUBLE * lout::DOUBLE * ssm_layers::DOUBLE * ssm_state::DOUBLE;

CREATE OR REPLACE TEMP MACRO arch_extra_reads(hkv, d_window, win, sinks, ssm_layers, ssm_state, lin, lout, n) AS
    CASE WHEN d_window::DOUBLE > 0
         THEN n::DOUBLE * 4.0 * window_token_steps(lin, lout, win, sinks := sinks) * hkv::DOUBLE * d_window::DOUBLE
         ELSE 0.0 END
    + ssm_state_reads(ssm_layers, ssm_state, lout, n);

-- Compute of n trials: 2 * active params per token, attention of the full layers (d_full = head_dim *
-- full-attention layers) as Kinetics, of the windowed layers (d_window = head_dim * window layers) over
-- their window, and 4 FLOPs per SSM state element per step (decay-and-update, read-out).
CREATE OR REPLACE TEMP MACRO arch_compute_flops(method, p_active, hq, d_full, d_window, win, sinks, ssm_layers, ssm_state,
                                           lin, lout, n, budget := 0, block_size := 0, variant := 'exact') AS
    compute_flops(method, p_active, hq, d_full, lin, lout, n, budget := budget, block_size := block_size, variant := variant)
    + CASE WHEN d_window::DOUBLE > 0
           THEN n::DOUBLE * 4.0 * window_token_steps(lin, lout, win, sinks := sinks) * hq::DOUBLE * d_window::DOUBLE
           ELSE 0.0 END
    + 4.0 * n::DOUBLE * lout::DOUBLE * ssm_layers::DOUBLE * ssm_state::DOUBLE;

-- KV reads: full layers as Kinetics (the prompt's KV shared by the n trials), windowed layers per trial
-- (as Kinetics' window method); SSM layers keep no KV cache.
CREATE OR REPLACE TEMP MACRO arch_kv_reads(method, hkv, d_full, d_window, win, sinks, lin, lout, n,
                                      budget := 0, block_size := 0, variant := 'exact') AS
    kv_reads(method, hkv, d_full, lin, lout, n, budget := budget, block_size := block_size, variant := variant)
    + CASE WHEN d_window::DOUBLE > 0
           THEN n::DOUBLE * 4.0 * window_token_steps(lin, lout, win, sinks := sinks) * hkv::DOUBLE * d_window::DOUBLE
           ELSE 0.0 END;

-- eFLOPs (large-batch serving, parameter reads amortised): compute + i * (KV reads + SSM state reads).
CREATE OR REPLACE TEMP MACRO arch_eflops(method, p_active, hq, hkv, d_full, d_window, win, sinks, ssm_layers, ssm_state,
                                    lin, lout, n, i, budget := 0, block_size := 0, variant := 'exact') AS
    arch_compute_flops(method, p_active, hq, d_full, d_window, win, sinks, ssm_layers, ssm_state, lin, lout, n,
                       budget := budget, block_size := block_size, variant := variant)
    + i::DOUBLE * (arch_kv_reads(method, hkv, d_full, d_window, win, sinks, lin, lout, n,
                                 budget := budget, block_size := block_size, variant := variant)
                   + ssm_state_reads(ssm_layers, ssm_state, lout, n));

-- One row per model and configuration, by name: the architecture-aware costs.
--   batch: sequences decoded together (MoE parameter reads grow with it); default n.
--   rflops_batch: compute + i_gpu * (param reads + KV reads + SSM reads), i_gpu = peak / HBM (one GPU,
--   nothing offloaded): the small-batch view where parameter reads count.
CREATE OR REPLACE TEMP MACRO model_arch_cost(model_name, hardware_name, lin, lout, n, batch := NULL, method := 'dense',
                                        budget := 0, block_size := 0, variant := 'exact', param_count := 'kinetics') AS TABLE
    WITH cfg AS (
        SELECT m.name AS model, h.name AS hardware, m.params, m.expert_params, m.moe_layers, m.experts, m.experts_per_token,
               pick_params(m.params_kinetics, coalesce(m.active_params, m.params), param_count) AS p_active,
               m.hq, m.hkv, (m.head_dim * coalesce(m.attention_layers, m.layers))::DOUBLE AS d_full,
               (m.head_dim * coalesce(m.window_layers, 0))::DOUBLE AS d_window, coalesce(m.sliding_window, 0) AS win,
               coalesce(m.sink_tokens, 0) AS sinks, coalesce(m.ssm_layers, 0) AS ssm_layers,
               coalesce(m.ssm_state_elements, 0.0) AS ssm_state,
               2.0 * h.peak_flops / h.hbm_bytes_per_s AS i, h.peak_flops / h.hbm_bytes_per_s AS i_gpu, h.peak_flops,
               h.hbm_bytes_per_s AS hbm,
               coalesce(batch, n) AS b
        FROM models m, hardware h
        WHERE m.name = known_model(model_name) AND h.name = known_hardware(hardware_name)
    ), c AS (
        SELECT cfg.*,
               arch_compute_flops(method, p_active, hq, d_full, d_window, win, sinks, ssm_layers, ssm_state, lin, lout, n,
                                  budget := budget, block_size := block_size, variant := variant) AS compute_flops,
               arch_kv_reads(method, hkv, d_full, d_window, win, sinks, lin, lout, n,
                             budget := budget, block_size := block_size, variant := variant) AS kv_reads,
               ssm_state_reads(ssm_layers, ssm_state, lout, n) AS ssm_reads,
               moe_param_reads(CASE WHEN experts > 0 THEN params ELSE p_active END, expert_params, moe_layers, experts,
                               experts_per_token, b, lout) AS param_reads,
               moe_experts_touched(experts, experts_per_token, b) AS experts_touched
        FROM cfg
    )
    SELECT model, hardware, method AS method, lin AS lin, lout AS lout, n AS n, b AS batch, p_active AS active_params,
           i, experts_touched, compute_flops, kv_reads, ssm_reads, param_reads,
           compute_flops + i * (kv_reads + ssm_reads) AS eflops,
           (compute_flops + i * (kv_reads + ssm_reads)) / 1e12 AS eflops_tera,
           roofline_seconds(compute_flops, kv_reads + ssm_reads, peak_flops, hbm) AS seconds,
           kinetics_seconds(compute_flops + i * (kv_reads + ssm_reads), i, hbm) AS kinetics_seconds,
           compute_flops + i_gpu * (param_reads + kv_reads + ssm_reads) AS rflops_batch
    FROM c;

-- One row: the cost of a configuration on a hardware profile (seconds: the roofline; kinetics_seconds: the paper's),
-- with the architecture as the frontier prices it (frontier_models): compute counts the parameters a token uses
-- (MoE: the active ones), windowed layers attend their window, SSM layers read their state (010_arch.sql). params:
-- the parameters of compute per token. A dense model: Kinetics' formulas.
--   SELECT * FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 16384, 8);
CREATE OR REPLACE TEMP MACRO model_cost(model_name, hardware_name, method, lin, lout, n,
                                   budget := 0, block_size := 0, variant := 'exact', param_count := 'kinetics') AS TABLE
    SELECT a.model, a.hardware, a.method, a.lin, a.lout, a.n,
           CASE WHEN a.method = 'dense' THEN NULL ELSE budget END AS budget,
           CASE WHEN a.method = 'blocktopk' THEN block_size ELSE NULL END AS block_size,
           variant AS variant, a.active_params AS params, a.i,
           a.compute_flops, a.kv_reads + a.ssm_reads AS kv_reads, a.eflops, a.eflops_tera, a.seconds, a.kinetics_seconds
    FROM model_arch_cost(model_name, hardware_name, lin, lout, n, method := method, budget := budget,
                         block_size := block_size, variant := variant, param_count := param_count) a;

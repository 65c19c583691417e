-- requires: macros/001_cost, macros/002_rflops
-- Convenience macros over the catalog: name a model and a hardware profile, not raw shapes.
-- param_count := 'kinetics' (default) uses models.params_kinetics where the Kinetics tables define
-- one and the architecture count otherwise; param_count := 'architecture' always uses models.params.

-- The name itself, or an error saying how to add it (so a typo never turns into a NULL cost).
CREATE OR REPLACE TEMP MACRO known_model(model_name) AS coalesce(
    (SELECT km_.name FROM models km_ WHERE km_.name = model_name),
    error('unknown model ''' || coalesce(model_name, 'NULL') || ''': add it with `kinetics-sql models add CONFIG_JSON|HF_REPO_ID`')
);

CREATE OR REPLACE TEMP MACRO known_hardware(hardware_name) AS coalesce(
    (SELECT kh_.name FROM hardware kh_ WHERE kh_.name = hardware_name),
    error('unknown hardware ''' || coalesce(hardware_name, 'NULL') || ''': add it with `kinetics-sql hardware add`')
);

CREATE OR REPLACE TEMP MACRO pick_params(params_kinetics, params_architecture, param_count) AS
    CASE param_count
        WHEN 'kinetics' THEN coalesce(params_kinetics, params_architecture)
        WHEN 'architecture' THEN params_architecture
        ELSE error('unknown param_count ''' || coalesce(param_count, 'NULL') || ''' (expected kinetics or architecture)')
    END;

CREATE OR REPLACE TEMP MACRO model_params(model_name, param_count := 'kinetics') AS (
    SELECT pick_params(mp_.params_kinetics, mp_.params, param_count) FROM models mp_ WHERE mp_.name = known_model(model_name)
);

-- Kinetics' i for a hardware profile: FLOPs per bf16 KV element.
CREATE OR REPLACE TEMP MACRO hardware_intensity(hardware_name) AS (
    SELECT 2.0 * h.peak_flops / h.hbm_bytes_per_s FROM hardware h WHERE h.name = known_hardware(hardware_name)
);

-- KV-cache bytes for `tokens` tokens of a model (bf16 K and V, every layer).
CREATE OR REPLACE TEMP MACRO kv_cache_bytes(model_name, tokens) AS (
    SELECT m.kv_bytes_per_token::DOUBLE * tokens::DOUBLE FROM models m WHERE m.name = known_model(model_name)
);

-- Seconds at the datasheet roofline: compute at peak FLOP/s plus bytes (KV reads, parameter reads) at HBM
-- bandwidth. Not eFLOPs / peak: with i = 2 * peak / HBM that counts the memory time twice.
CREATE OR REPLACE TEMP MACRO roofline_seconds(compute, bytes, peak_flops, hbm_bytes_per_s) AS
    compute::DOUBLE / peak_flops::DOUBLE + bytes::DOUBLE / hbm_bytes_per_s::DOUBLE;

-- The Kinetics figures' "B200 seconds": eFLOPs / (i * HBM bytes/s), on the B200 Tera-eFLOPs / 4500 (the paper's
-- 4.5e15 FLOP/s, twice the dense bf16 peak): memory at HBM bandwidth, compute at twice the peak.
CREATE OR REPLACE TEMP MACRO kinetics_seconds(eflops, i, hbm_bytes_per_s) AS
    eflops::DOUBLE / (i::DOUBLE * hbm_bytes_per_s::DOUBLE);

-- model_cost (one configuration's costs, architecture-aware): queries/macros/010_arch.sql.

-- Scalar forms for use inside larger queries (e.g. over the trials table).
CREATE OR REPLACE TEMP MACRO model_flops(model_name, method, lin, lout, n, budget := 0, block_size := 0, variant := 'exact', param_count := 'kinetics') AS (
    SELECT compute_flops(method, pick_params(m.params_kinetics, coalesce(m.active_params, m.params), param_count), m.hq, m.head_dim * m.layers, lin, lout, n,
                         budget := budget, block_size := block_size, variant := variant)
    FROM models m WHERE m.name = known_model(model_name)
);

CREATE OR REPLACE TEMP MACRO model_eflops(model_name, hardware_name, method, lin, lout, n, budget := 0, block_size := 0, variant := 'exact', param_count := 'kinetics') AS (
    SELECT eflops(method, pick_params(m.params_kinetics, coalesce(m.active_params, m.params), param_count), m.hq, m.hkv, m.head_dim * m.layers, lin, lout, n,
                  2.0 * h.peak_flops / h.hbm_bytes_per_s,
                  budget := budget, block_size := block_size, variant := variant)
    FROM models m, hardware h WHERE m.name = known_model(model_name) AND h.name = known_hardware(hardware_name)
);

-- Seconds at the roofline (compute / peak + KV bytes / HBM), as model_cost's seconds.
CREATE OR REPLACE TEMP MACRO model_seconds(model_name, hardware_name, method, lin, lout, n, budget := 0, block_size := 0, variant := 'exact', param_count := 'kinetics') AS (
    SELECT roofline_seconds(
               compute_flops(method, pick_params(m.params_kinetics, coalesce(m.active_params, m.params), param_count), m.hq, m.head_dim * m.layers,
                             lin, lout, n, budget := budget, block_size := block_size, variant := variant),
               kv_reads(method, m.hkv, m.head_dim * m.layers, lin, lout, n, budget := budget, block_size := block_size,
                        variant := variant),
               h.peak_flops, h.hbm_bytes_per_s)
    FROM models m, hardware h WHERE m.name = known_model(model_name) AND h.name = known_hardware(hardware_name)
);

-- rFLOPs on a hardware profile with k offloaded layers (datasheet i_gpu = peak / HBM, i_link = peak / link).
CREATE OR REPLACE TEMP MACRO model_rflops(model_name, hardware_name, method, lin, lout, n, k,
                                     budget := 0, block_size := 0, variant := 'exact', param_count := 'kinetics',
                                     prefill_batch := 512, passes := 'forward') AS (
    SELECT rflops(method, pick_params(m.params_kinetics, m.params, param_count), m.hq, m.hkv, m.head_dim * m.layers, lin, lout, n,
                  h.peak_flops / h.hbm_bytes_per_s, h.peak_flops / h.link_bytes_per_s,
                  2.0 * m.layer_params, k,
                  budget := budget, block_size := block_size, variant := variant,
                  prefill_batch := prefill_batch, passes := passes)
    FROM models m, hardware h WHERE m.name = known_model(model_name) AND h.name = known_hardware(hardware_name)
);

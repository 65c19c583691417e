-- requires: macros/001_cost, macros/002_rflops, macros/040_tensor_parallel
-- Regression features of the latency model (`kinetics-sql fit`), shared by the fit and by the
-- latency / fitted-rFLOPs cost of frontiers, so that a prediction uses exactly what was fitted.
-- Created TEMP on the connection by kinetics_sql.fit.install_macros. All results DOUBLE.
--
--   compute      FLOPs of decode: compute_flops(method, p, hq, d, lin, lout, n)       (the Kinetics formula)
--   hbm_bytes    bytes read from GPU memory: resident_bytes * lout + kv_reads(...)
--                (weights on the GPU once per decode step, shared by the n sequences; bf16 KV reads)
--   link_bytes   offload traffic: offload_bytes * forward passes = offload_bytes * (ceil(lin / prefill_batch) + lout)
--                (llama.cpp cpu_compute: host-memory reads by the CPU; torch stream: PCIe copies)
--   prefill_flops  n * (2*p*lin + 2*lin^2*hq*d)  (prompt: linear layers + causal attention)
--   prefill_link   offload_bytes * ceil(lin / prefill_batch)
--   decode_link    offload_bytes * lout
--   steps          lout (decode steps), layer_steps = lout * layers (per-layer launch overhead),
--                  offload_layer_steps = lout * layers_offloaded (per offloaded layer and step: CPU op
--                  dispatch and thread barriers in llama.cpp, a copy launch in stream mode)
--   offload_attn_flops  decode attention FLOPs of the offloaded layers when the CPU computes them
--                  (llama.cpp cpu_compute): the attention part of compute_flops with d = head_dim *
--                  layers_offloaded (dense: n * 2*(2*lin + lout)*lout*hq*head_dim*layers_offloaded); 0 when
--                  offloaded weights are streamed to the GPU (the attention then runs there)
--   prefill_offload_attn_flops  the same for the prompt: n * 2*lin^2*hq*head_dim*layers_offloaded
--
-- Tensor parallelism (measurements.tensor_parallel_size = T > 1; queries/macros/040_tensor_parallel.sql):
-- every feature above is one GPU's (compute, weights and offloaded weights / T, its KV heads), and
--   net_bytes    bytes one GPU sends + receives over the interconnect: tp_comm_bytes for lin + n * lout tokens
--                (prefill_net: the prompt's lin, decode_net: the n * lout decoded ones)
--   net_steps    collectives in decode, lout * (2 * layers + 1) when T > 1 (0 on one GPU): each all-reduce's
--                fixed latency

CREATE OR REPLACE TEMP MACRO fit_compute(method, p, hq, d, lin, lout, n, budget, block_size, variant) AS
    compute_flops(method, p, hq, d, lin, lout, n, budget := budget, block_size := block_size, variant := variant);

CREATE OR REPLACE TEMP MACRO fit_hbm_bytes(method, resident_bytes, hkv, d, lin, lout, n, budget, block_size, variant) AS
    resident_bytes::DOUBLE * lout::DOUBLE
    + kv_reads(method, hkv, d, lin, lout, n, budget := budget, block_size := block_size, variant := variant);

-- Bytes of KV cache the decode steps read as serving engines store it: every sequence its own copy
-- of the prompt's K and V (no prefix sharing), bf16, K and V of hkv heads per layer (d = head_dim *
-- layers): dense 4 * hkv * d * n * (lin * lout + lout * (lout + 1) / 2); sparse methods: the
-- Kinetics count (kv_reads, which shares the prompt among the n trials) as it stands.
CREATE OR REPLACE TEMP MACRO fit_kv_bytes(method, hkv, d, lin, lout, n, budget, block_size) AS
    CASE WHEN method = 'dense' THEN
        4.0 * hkv::DOUBLE * d::DOUBLE * n::DOUBLE * (lin::DOUBLE * lout::DOUBLE + lout::DOUBLE * (lout::DOUBLE + 1.0) / 2.0)
    ELSE kv_reads(method, hkv, d, lin, lout, n, budget := budget, block_size := block_size, variant := 'exact') END;

CREATE OR REPLACE TEMP MACRO fit_link_bytes(offload_bytes, lin, lout, n, prefill_batch) AS
    offload_bytes::DOUBLE * forward_passes(lin, lout, n, prefill_batch := prefill_batch);

CREATE OR REPLACE TEMP MACRO fit_prefill_flops(p, hq, d, lin, n) AS
    n::DOUBLE * (2.0 * p::DOUBLE * lin::DOUBLE + 2.0 * lin::DOUBLE * lin::DOUBLE * hq::DOUBLE * d::DOUBLE);

CREATE OR REPLACE TEMP MACRO fit_prefill_link(offload_bytes, lin, prefill_batch) AS
    offload_bytes::DOUBLE * ceil(lin::DOUBLE / prefill_batch::DOUBLE);

-- Weight bytes read from HBM per decode step: all weights as run, less the offloaded ones and less
-- the input embedding table of an untied model (a lookup, not a matrix product).
CREATE OR REPLACE TEMP MACRO fit_resident_bytes(weight_bytes, offload_bytes, params, vocab, hidden, tied) AS
    greatest(0.0, weight_bytes::DOUBLE - offload_bytes::DOUBLE
                  - CASE WHEN tied THEN 0.0 ELSE vocab::DOUBLE * hidden::DOUBLE * weight_bytes::DOUBLE / params::DOUBLE END);

-- Attention FLOPs that the CPU computes for k offloaded layers (llama.cpp keeps their KV cache in host
-- memory and runs their attention there): decode and prompt. 0 unless the offload mode is cpu_compute.
CREATE OR REPLACE TEMP MACRO fit_offload_attn_flops(offload_mode, method, lin, lout, n, hq, head_dim, k, budget, block_size, variant) AS
    CASE WHEN offload_mode = 'cpu_compute' THEN
        -- the attention part of compute_flops (p = 0) for the k offloaded layers (d = head_dim * k)
        compute_flops(method, 0, hq, head_dim::DOUBLE * k::DOUBLE, lin, lout, n,
                      budget := budget, block_size := block_size, variant := variant)
    ELSE 0.0 END;

CREATE OR REPLACE TEMP MACRO fit_prefill_offload_attn_flops(offload_mode, lin, n, hq, head_dim, k) AS
    CASE WHEN offload_mode = 'cpu_compute' THEN
        n::DOUBLE * 2.0 * lin::DOUBLE * lin::DOUBLE * hq::DOUBLE * head_dim::DOUBLE * k::DOUBLE
    ELSE 0.0 END;

-- Interconnect features of tensor-parallel runs (0 on one GPU).
CREATE OR REPLACE TEMP MACRO fit_net_bytes(hidden, vocab, layers, lin, lout, n, tp) AS
    tp_comm_bytes(hidden, vocab, layers, tp_tokens(lin, lout, n), tp);

CREATE OR REPLACE TEMP MACRO fit_net_steps(layers, lout, tp) AS
    CASE WHEN tp::DOUBLE > 1 THEN lout::DOUBLE * (2.0 * layers::DOUBLE + 1.0) ELSE 0.0 END;

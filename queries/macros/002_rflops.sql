-- requires: macros/001_cost
-- Kinetics++ rFLOPs: one GPU, small batch, k of the model's layers offloaded to the host.
--
--   rflops = compute + i_gpu * (param_reads + kv_reads) + i_link * offload_bytes
--
-- param_reads  = 2 * p * lout: the weights are read once per decode step, shared by the n trials.
-- offload_bytes = layer_bytes * k * passes, where passes is
--     'forward'   (default): ceil(lin / prefill_batch) + lout  forward passes of an engine that
--                 batches the prompt and decodes the n trials together (llama.cpp, vLLM);
--     'per_token' (Kinetics++ as published): lin + n * lout.

CREATE OR REPLACE TEMP MACRO param_reads(p, lout) AS 2.0 * p::DOUBLE * lout::DOUBLE;

CREATE OR REPLACE TEMP MACRO forward_passes(lin, lout, n, prefill_batch := 512, passes := 'forward') AS
    CASE passes
        WHEN 'forward' THEN ceil(lin::DOUBLE / prefill_batch::DOUBLE) + lout::DOUBLE
        WHEN 'per_token' THEN lin::DOUBLE + n::DOUBLE * lout::DOUBLE
        ELSE error('unknown pass count ''' || coalesce(passes, 'NULL') || ''' (expected forward or per_token)')
    END;

CREATE OR REPLACE TEMP MACRO offload_bytes(layer_bytes, k, lin, lout, n, prefill_batch := 512, passes := 'forward') AS
    layer_bytes::DOUBLE * k::DOUBLE * forward_passes(lin, lout, n, prefill_batch := prefill_batch, passes := passes);

CREATE OR REPLACE TEMP MACRO rflops(method, p, hq, hkv, d, lin, lout, n, i_gpu, i_link, layer_bytes, k,
                               budget := 0, block_size := 0, variant := 'exact',
                               prefill_batch := 512, passes := 'forward') AS
    compute_flops(method, p, hq, d, lin, lout, n, budget := budget, block_size := block_size, variant := variant)
    + i_gpu::DOUBLE * (param_reads(p, lout)
                       + kv_reads(method, hkv, d, lin, lout, n, budget := budget, block_size := block_size, variant := variant))
    + i_link::DOUBLE * offload_bytes(layer_bytes, k, lin, lout, n, prefill_batch := prefill_batch, passes := passes);

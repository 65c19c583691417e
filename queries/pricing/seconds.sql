-- requires: macros/002_rflops, macros/040_tensor_parallel
-- Predicted seconds: the one formula every command prices with (frontier, compare, recommend, cost, the explorer).
--
-- Two regimes:
--   latency:    one problem at a time; its N trials decoded as one batch of wave_n sequences, in `waves` waves.
--   throughput: the GPU decodes as many problems at once as its memory holds (pricing_batch_problems: each the KV
--               cache of its N trials at the plan's longest context, beside the weights the plan keeps on the GPU;
--               at most 256 sequences in all, vLLM's default max_num_seqs; 1 when the plan already needs several
--               waves): GPU-seconds per problem = the seconds of that batch / the problems in it, so the weight reads
--               and per-step overheads are shared and compute and KV reads are not.

CREATE OR REPLACE TEMP MACRO pricing_max_seqs() AS 256;

-- Problems decoded together in the throughput regime under a plan row pl (pricing_plan) and context cx.
CREATE OR REPLACE TEMP MACRO pricing_batch_problems(pl, cx) AS
    CASE WHEN pl.waves > 1 THEN 1
         ELSE greatest(1, least(floor(pricing_max_seqs() / pl.wave_n),
                                CASE WHEN cx.vram_bytes IS NULL THEN 1e9
                                     ELSE floor((cx.vram_bytes - cx.reserve_bytes - pl.resident_bytes) / pl.kv_bytes)
                                END))::INTEGER
    END;

-- Seconds of one wave: a batch of `seqs` sequences of each of a group of trials (s: pricing_terms_sum over them, all
-- with a prompt of lin tokens; kv: their KV reads at this batch, s.kv0 + seqs * s.kv_per_seq + block top-k's
-- summaries), under plan row pl and context cx. Term by term the latency model of `kinetics-sql fit`
-- (queries/fit/macros.sql): compute is seqs times one sequence's; every other term is linear in lout or a constant of
-- the prompt. On pl.gpus = T > 1 (tensor parallel) it is one GPU's: compute / T, its KV heads (in kv), its weight and
-- offload bytes (the plan's), plus the interconnect (net_c per byte, net_step_s per collective); 0 on one GPU.
CREATE OR REPLACE TEMP MACRO pricing_wave_seconds(lin, s, kv, seqs, pl, cx) AS
    cx.a * seqs::DOUBLE * s.compute / pl.gpus
    + cx.b * (pl.read_bytes * s.lout + kv)
    + cx.c * pl.offload_bytes * CASE WHEN cx.form = 'split' THEN s.lout
                                     ELSE s.trials * forward_passes(lin, 0, seqs, prefill_batch := cx.prefill_batch)
                                          + s.lout END
    + cx.prefill_a * s.trials * seqs * (2.0 * pl.params * lin::DOUBLE + 2.0 * lin::DOUBLE * lin::DOUBLE * pl.hq * pl.d_dim)
      / pl.gpus
    + cx.prefill_c * pl.offload_bytes * s.trials * ceil(lin::DOUBLE / cx.prefill_batch)
    + cx.step_s * s.lout + cx.layer_step_s * s.lout * pl.layers
    + cx.offload_layer_step_s * s.lout * pl.k_layers
    + cx.offload_attn_a * seqs::DOUBLE * s.attention_per_d * ((pl.d_dim / pl.layers) * pl.k_layers)
    + cx.prefill_offload_attn_a * s.trials * seqs * 2.0 * lin::DOUBLE * lin::DOUBLE * pl.hq * (pl.d_dim / pl.layers)
      * pl.k_layers
    + coalesce(cx.net_c, 0.0) * tp_comm_bytes(pl.hidden, pl.vocab, pl.layers, seqs * s.lout, pl.gpus)
    + coalesce(cx.prefill_net_c, 0.0) * s.trials * tp_comm_bytes(pl.hidden, pl.vocab, pl.layers, lin, pl.gpus)
    + coalesce(cx.net_step_s, 0.0) * CASE WHEN pl.gpus > 1 THEN s.lout * (2.0 * pl.layers + 1.0) ELSE 0.0 END
    + s.trials * cx.t0;

-- GPU-seconds of a group of trials (summed over them) in a regime: latency, waves x one wave of wave_n sequences;
-- throughput, waves x one wave of `problems` x wave_n sequences / problems (problems = pricing_batch_problems; 1
-- costs what it costs alone). block_kv: block top-k's summary reads summed over the trials at that batch.
CREATE OR REPLACE TEMP MACRO pricing_group_seconds(lin, s, block_kv, problems, pl, cx) AS
    pl.waves * pricing_wave_seconds(lin, s, s.kv0 + problems * pl.wave_n * s.kv_per_seq + block_kv,
                                    problems * pl.wave_n, pl, cx)
    / problems;

-- requires: macros/002_rflops, macros/010_arch, macros/040_tensor_parallel
-- Predicted seconds: the one formula every command prices with (frontier, compare, recommend, cost, the explorer).
--
-- Two regimes:
--   latency:    one problem at a time; its N trials decoded as one batch of wave_n sequences, in `waves` waves. The
--               samples of a wave decode together until the longest ends (the best-of-N schedule): each sample's
--               compute and KV reads over its own length, the per-step terms (weight reads, step overheads, the
--               prompt's KV) over the longest's steps, the expected longest of wave_n drawn from the problem's
--               samples (pricing_expected_longest). MoE weight reads are priced at the full wave's batch for all
--               those steps (the batch shrinks as samples end: an upper bound; exact for dense models).
--   throughput: the GPU decodes as many problems at once as its memory holds (pricing_batch_problems: each the KV
--               cache of its N trials at the plan's longest context, beside the weights the plan keeps on the GPU;
--               at most 256 sequences in all, vLLM's default max_num_seqs; 1 when the plan already needs several
--               waves): GPU-seconds per problem = the seconds of that batch / the problems in it, so the weight reads
--               and per-step overheads are shared and compute and KV reads are not.

CREATE OR REPLACE TEMP MACRO pricing_max_seqs() AS 256;

-- The expected longest of n lengths drawn without replacement from a problem's samples (louts: their lengths, sorted
-- ascending, M of them): sum_j L_(j) * C(j-1, n-1) / C(M, n); the longest when n >= M, the mean when n = 1.
CREATE OR REPLACE TEMP MACRO pricing_expected_longest(louts, n) AS
    CASE WHEN n >= len(louts) THEN list_max(louts)
         ELSE list_sum(list_transform(louts, lambda x, j:
                  CASE WHEN j >= n
                       THEN x * exp(lgamma(j) - lgamma(n) - lgamma(j - n + 1)
                                    - lgamma(len(louts) + 1) + lgamma(n + 1) + lgamma(len(louts) - n + 1))
                       ELSE 0.0 END)) END;

-- Problems decoded together in the throughput regime under a plan row pl (pricing_plan) and context cx.
CREATE OR REPLACE TEMP MACRO pricing_batch_problems(pl, cx) AS
    CASE WHEN pl.waves > 1 THEN 1
         ELSE greatest(1, least(floor(pricing_max_seqs() / pl.wave_n),
                                CASE WHEN cx.vram_bytes IS NULL THEN 1e9
                                     ELSE floor((cx.vram_bytes - cx.reserve_bytes - pl.resident_bytes) / pl.kv_bytes)
                                END))::INTEGER
    END;

-- Weight bytes one decode step of a batch of `seqs` sequences reads from HBM under plan row pl: the plan's read_bytes
-- less the routed experts no token of the batch picks (MoE: pl.experts - moe_experts_touched per layer, of the layers
-- kept on the GPU; queries/macros/010_arch.sql). A dense model (experts = 0): read_bytes.
CREATE OR REPLACE TEMP MACRO pricing_read_bytes(pl, seqs) AS
    CASE WHEN pl.experts > 0
         THEN greatest(0.0, pl.read_bytes - pl.expert_bytes * (pl.experts - moe_experts_touched(pl.experts,
                                                                       pl.experts_per_token, seqs))
                                              * (pl.layers - pl.k_layers)::DOUBLE / pl.layers)
         ELSE pl.read_bytes END;

-- Seconds of one wave: a batch of `seqs` sequences of each of a group of trials (s: pricing_terms_sum over them, all
-- with a prompt of lin tokens; kv: their KV reads at this batch, s.kv0 + seqs * s.kv_per_seq + block top-k's
-- summaries), under plan row pl and context cx. Term by term the latency model of `kinetics-sql fit`
-- (queries/fit/macros.sql): compute is seqs times one sequence's; every other term is linear in lout or a constant of
-- the prompt. On pl.gpus = T > 1 (tensor parallel) it is one GPU's: compute / T, its KV heads (in kv), its weight and
-- offload bytes (the plan's; MoE: pricing_read_bytes, the experts the batch touches), plus the interconnect (net_c
-- per byte, net_step_s per collective); 0 on one GPU.
CREATE OR REPLACE TEMP MACRO pricing_wave_seconds(lin, s, kv, seqs, pl, cx, steps) AS
    cx.a * seqs::DOUBLE * s.compute / pl.gpus
    + cx.b * (pricing_read_bytes(pl, seqs) * steps + kv)
    + cx.c * pl.offload_bytes * CASE WHEN cx.form = 'split' THEN steps
                                     ELSE s.trials * forward_passes(lin, 0, seqs, prefill_batch := cx.prefill_batch)
                                          + steps END
    + cx.prefill_a * s.trials * seqs * (2.0 * pl.params * lin::DOUBLE + 2.0 * lin::DOUBLE * lin::DOUBLE * pl.hq * pl.d_dim)
      / pl.gpus
    + cx.prefill_c * pl.offload_bytes * s.trials * ceil(lin::DOUBLE / cx.prefill_batch)
    + cx.step_s * steps + cx.layer_step_s * steps * pl.layers
    + coalesce(cx.moe_layer_step_s, 0.0) * steps * pl.moe_layers
    + cx.offload_layer_step_s * steps * pl.k_layers
    + cx.offload_attn_a * seqs::DOUBLE * s.attention_per_d * ((pl.d_dim / pl.layers) * pl.k_layers)
    + cx.prefill_offload_attn_a * s.trials * seqs * 2.0 * lin::DOUBLE * lin::DOUBLE * pl.hq * (pl.d_dim / pl.layers)
      * pl.k_layers
    + coalesce(cx.net_c, 0.0) * tp_comm_bytes(pl.hidden, pl.vocab, pl.layers, seqs * s.lout, pl.gpus)
    + coalesce(cx.prefill_net_c, 0.0) * s.trials * tp_comm_bytes(pl.hidden, pl.vocab, pl.layers, lin, pl.gpus)
    + coalesce(cx.net_step_s, 0.0) * CASE WHEN pl.gpus > 1 THEN steps * (2.0 * pl.layers + 1.0) ELSE 0.0 END
    + s.trials * cx.t0;

-- GPU-seconds of a group of trials (summed over them) in a regime: latency, waves x one wave of wave_n sequences;
-- throughput, waves x one wave of `problems` x wave_n sequences / problems (problems = pricing_batch_problems; 1
-- costs what it costs alone). block_kv: block top-k's summary reads summed over the trials at that batch.
-- steps: the decode steps the per-step terms run, summed over the trials (NULL: s.lout, every trial its own steps, as
-- in the throughput regime); the latency regime passes pricing_latency_steps.
CREATE OR REPLACE TEMP MACRO pricing_group_seconds(lin, s, block_kv, problems, pl, cx, steps := NULL) AS
    pl.waves * pricing_wave_seconds(lin, s, CASE WHEN steps IS NULL THEN s.kv0 ELSE s.kv0 * steps / s.lout END
                                            + problems * pl.wave_n * s.kv_per_seq + block_kv,
                                    problems * pl.wave_n, pl, cx, coalesce(steps, s.lout))
    / problems;

-- The latency regime's steps of a group of trials (louts: the problem's sample lengths, sorted ascending): every
-- trial waits for the longest of its wave, wave_n drawn from the problem's samples.
CREATE OR REPLACE TEMP MACRO pricing_latency_steps(louts, pl) AS
    len(louts)::DOUBLE * pricing_expected_longest(louts, pl.wave_n);

-- requires: macros/002_rflops, macros/010_arch, macros/040_tensor_parallel
-- Predicted seconds: the one formula every command prices with (frontier, compare, recommend, cost, the explorer).
--
-- Two regimes:
--   latency:    one problem at a time; its N trials decoded as one batch of wave_n sequences, in `waves` waves. The
--               samples of a wave decode together until the longest ends (the best-of-N schedule): each sample's
--               compute and KV reads over its own length, the per-step terms (weight reads, step overheads, the
--               prompt's KV) over the longest's steps, the expected longest of wave_n drawn from the problem's
--               samples (pricing_expected_longest). The live batch shrinks as samples end: a MoE step reads the
--               experts its live samples touch, the expectation over the draws (pricing_latency_reads); a dense
--               step reads every weight whatever the batch, so its reads are read_bytes x the longest's steps.
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
-- per byte, net_step_s per collective); 0 on one GPU. reads: the weight bytes of those steps when the batch is not
-- seqs at every step (the latency regime's MoE, pricing_latency_reads); NULL: pricing_read_bytes(pl, seqs) * steps.
CREATE OR REPLACE TEMP MACRO pricing_wave_seconds(lin, s, kv, seqs, pl, cx, steps, reads := NULL) AS
    cx.a * seqs::DOUBLE * s.compute / pl.gpus
    + cx.b * (coalesce(reads, pricing_read_bytes(pl, seqs) * steps) + kv)
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
-- in the throughput regime); the latency regime passes pricing_latency_steps. reads: the weight bytes those steps
-- read, summed over the trials (NULL: every step at the full batch; the latency regime passes pricing_latency_reads).
CREATE OR REPLACE TEMP MACRO pricing_group_seconds(lin, s, block_kv, problems, pl, cx, steps := NULL, reads := NULL) AS
    pl.waves * pricing_wave_seconds(lin, s, CASE WHEN steps IS NULL OR s.lout = 0 THEN s.kv0 ELSE s.kv0 * steps / s.lout END
                                            + problems * pl.wave_n * s.kv_per_seq + block_kv,
                                    problems * pl.wave_n, pl, cx, coalesce(steps, s.lout), reads := reads)
    / problems;

-- The latency regime's steps of a group of trials (louts: the problem's sample lengths, sorted ascending): every
-- trial waits for the longest of its wave, wave_n drawn from the problem's samples.
CREATE OR REPLACE TEMP MACRO pricing_latency_steps(louts, pl) AS
    len(louts)::DOUBLE * pricing_expected_longest(louts, pl.wave_n);

-- P(exactly b of n drawn without replacement from m are among k marked ones): the hypergeometric probability.
CREATE OR REPLACE TEMP MACRO pricing_hypergeometric(m, k, n, b) AS
    CASE WHEN b < greatest(0, n - (m - k)) OR b > least(k, n) THEN 0.0
         ELSE exp(lgamma(k + 1) - lgamma(b + 1) - lgamma(k - b + 1)
                  + lgamma(m - k + 1) - lgamma(n - b + 1) - lgamma(m - k - n + b + 1)
                  - lgamma(m + 1) + lgamma(n + 1) + lgamma(m - n + 1)) END;

-- The expected weight bytes of one decode step while k of a problem's m samples are still running, n of the m decoded
-- together (a wave of pl.wave_n): the live ones among the n drawn are hypergeometric, P(live = b) =
-- pricing_hypergeometric(m, k, n, b), and a step of b live sequences reads pricing_read_bytes(pl, b). n >= m: the n
-- sequences are the m samples in equal shares (n copies of one sample; each once when n = m), k * n / m live.
CREATE OR REPLACE TEMP MACRO pricing_live_read_bytes(m, k, n, pl) AS
    CASE WHEN n >= m THEN pricing_read_bytes(pl, k::DOUBLE * n / m)
         ELSE list_sum(list_transform(range(greatest(1, n - (m - k)), least(k, n) + 1),
                                      lambda b_: pricing_hypergeometric(m, k, n, b_) * pricing_read_bytes(pl, b_))) END;

-- The expected weight bytes of a step in each segment j = 1 .. m of a problem's m sorted sample lengths (steps
-- L_(j-1)+1 .. L_(j): k = m - j + 1 of the m run that long), under plan row pl: pricing_live_read_bytes(m, m - j + 1,
-- wave_n, pl). It depends on the lengths' count, not their values: one list serves every problem with m samples.
-- NULL where pricing_latency_reads needs none (dense; waves of one sequence).
CREATE OR REPLACE TEMP MACRO pricing_live_read_weights(m, pl) AS
    CASE WHEN pl.experts > 0 AND pl.wave_n > 1
         THEN list_transform(range(1, m + 1), lambda j_: pricing_live_read_bytes(m, m - j_ + 1, pl.wave_n, pl)) END;

-- The latency regime's weight reads of a group of trials (louts: the problem's m sample lengths, sorted ascending;
-- w: pricing_live_read_weights(m, pl)), summed over the trials as pricing_latency_steps' steps are: a wave of
-- pl.wave_n drawn from the m runs until its longest ends, and steps L_(j-1)+1 .. L_(j) run the samples of length
-- >= L_(j) among those drawn (k = m - j + 1 of the m have it, hypergeometric):
-- m * sum_j (L_(j) - L_(j-1)) * w[j]. Given lengths decoded together (wave_n = m): m - j + 1 live, the segments of
-- the shrinking batch. NULL (the caller prices read_bytes at every step) for a dense model, whose step reads the same
-- bytes at any live batch >= 1 (the sum is read_bytes * E[longest], pricing_latency_steps), and for waves of one
-- sequence (live = 1 at every step).
CREATE OR REPLACE TEMP MACRO pricing_latency_reads(louts, pl, w) AS
    CASE WHEN pl.experts = 0 OR pl.wave_n = 1 THEN NULL
         WHEN w IS NULL OR len(w) <> len(louts)
         THEN error('pricing_latency_reads: no live-batch weights (pricing_live_read_weights) for '
                    || len(louts) || ' samples')
         ELSE len(louts)::DOUBLE
              * list_sum(list_transform(louts, lambda l_, j_:
                    CASE WHEN j_ = 1 THEN l_ * w[1]
                         WHEN l_ > louts[j_ - 1] THEN (l_ - louts[j_ - 1]) * w[j_]
                         ELSE 0.0 END)) END;

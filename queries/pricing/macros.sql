-- Dollars and the throughput regime for offload-aware frontiers (TEMP macros, created by
-- kinetics_sql.pricing after queries/fit/offload.sql, whose offload_context and offload_plan they read).
--
-- Two regimes, stated in every output that prints dollars:
--   latency:    one problem at a time on one GPU; GPU-seconds per problem = the predicted seconds
--               (offload_cost('latency', ...): the N trials of a problem as one batch, or in waves).
--   throughput: the GPU serves many problems at once, as many as its memory holds: throughput_problems
--               concurrent problems (each the KV cache of its N trials at the plan's longest context, beside
--               the weights the plan keeps on the GPU; at most 256 sequences in all, vLLM's default
--               max_num_seqs; 1 when the plan already needs several waves), decoded as one batch. GPU-seconds
--               per problem = the cost model's seconds for that batch / the number of problems in it, so the
--               weight reads and per-step overheads are shared and compute and KV reads are not.
-- Dollars per 1,000 problems = usd_per_1000(seconds, the profile's price per GPU-hour x gpus).

CREATE OR REPLACE TEMP MACRO throughput_max_seqs() AS 256;

-- Predicted seconds of one batch of `seqs` sequences of a trial (lin prompt tokens, lout generated) under a
-- plan row (pl_: offload_plan) and coefficients (cx_: offload_context), as plain arguments so that a join
-- can call it column-wise: the terms of offload_cost('latency') in queries/fit/offload.sql, per wave, with
-- its tensor-parallel terms (one GPU's of pl_gpus: compute / T, its KV heads, the interconnect).
CREATE OR REPLACE TEMP MACRO batch_seconds(method, lin, lout, budget, block_size, variant, seqs,
                                           pl_params, pl_hq, pl_hkv, pl_d, pl_layers, pl_k, pl_read_bytes, pl_offload_bytes,
                                           pl_gpus, pl_hidden, pl_vocab,
                                           cx_a, cx_b, cx_c, cx_t0, cx_form, cx_prefill_a, cx_prefill_c, cx_prefill_batch,
                                           cx_step_s, cx_layer_step_s, cx_offload_layer_step_s, cx_offload_attn_a,
                                           cx_prefill_offload_attn_a, cx_net_c, cx_prefill_net_c, cx_net_step_s) AS
    cx_a * compute_flops(method, pl_params, pl_hq, pl_d, lin, lout, seqs,
                         budget := budget, block_size := block_size, variant := variant) / pl_gpus
    + cx_b * (pl_read_bytes * lout::DOUBLE
              + kv_reads(method, tp_kv_heads(pl_hkv, pl_gpus), pl_d, lin, lout, seqs,
                         budget := budget, block_size := block_size, variant := variant))
    + cx_c * pl_offload_bytes * CASE WHEN cx_form = 'split' THEN lout::DOUBLE
                                     ELSE forward_passes(lin, lout, seqs, prefill_batch := cx_prefill_batch) END
    + cx_prefill_a * seqs * (2.0 * pl_params * lin::DOUBLE + 2.0 * lin::DOUBLE * lin::DOUBLE * pl_hq * pl_d) / pl_gpus
    + cx_prefill_c * pl_offload_bytes * ceil(lin::DOUBLE / cx_prefill_batch)
    + cx_step_s * lout::DOUBLE + cx_layer_step_s * lout::DOUBLE * pl_layers
    + cx_offload_layer_step_s * lout::DOUBLE * pl_k
    + cx_offload_attn_a * compute_flops(method, 0, pl_hq, (pl_d / pl_layers) * pl_k, lin, lout, seqs,
                                        budget := budget, block_size := block_size, variant := variant)
    + cx_prefill_offload_attn_a * seqs * 2.0 * lin::DOUBLE * lin::DOUBLE * pl_hq * (pl_d / pl_layers) * pl_k
    + coalesce(cx_net_c, 0.0) * tp_comm_bytes(pl_hidden, pl_vocab, pl_layers, seqs * lout::DOUBLE, pl_gpus)
    + coalesce(cx_prefill_net_c, 0.0) * tp_comm_bytes(pl_hidden, pl_vocab, pl_layers, lin, pl_gpus)
    + coalesce(cx_net_step_s, 0.0) * CASE WHEN pl_gpus > 1 THEN lout::DOUBLE * (2.0 * pl_layers + 1.0) ELSE 0.0 END
    + cx_t0;

-- What one trial's predicted seconds are made of, per sequence, for batch_seconds_sums (which prices their sums over
-- the trials of a configuration, problem and prompt length): compute FLOPs of one sequence; attention FLOPs per unit
-- of d (p = 0, d = 1: attention is linear in d; offloaded layers run theirs on the CPU); KV reads of a batch of 0 and
-- their increase per sequence, affine in the batch once block top-k's block-summary reads (block_summary_reads, summed
-- per batch size by the caller) are taken out. hkv: one GPU's KV heads (tp_kv_heads).
CREATE OR REPLACE TEMP MACRO trial_seconds_terms(method, params, hq, hkv, d_dim, lin, lout, budget, block_size, variant) AS
    {'compute': compute_flops(method, params, hq, d_dim, lin, lout, 1, budget := coalesce(budget, 0),
                              block_size := coalesce(block_size, 0), variant := variant),
     'attention_per_d': compute_flops(method, 0, hq, 1.0, lin, lout, 1, budget := coalesce(budget, 0),
                                      block_size := coalesce(block_size, 0), variant := variant),
     'kv0': kv_reads(method, hkv, d_dim, lin, lout, 0, budget := coalesce(budget, 0),
                     block_size := coalesce(block_size, 0), variant := variant)
            - CASE WHEN method = 'blocktopk' THEN block_summary_reads(hkv, d_dim, lin, lout, 0, block_size) ELSE 0.0 END,
     'kv_per_seq': kv_reads(method, hkv, d_dim, lin, lout, 1, budget := coalesce(budget, 0),
                            block_size := coalesce(block_size, 0), variant := variant)
                   - kv_reads(method, hkv, d_dim, lin, lout, 0, budget := coalesce(budget, 0),
                              block_size := coalesce(block_size, 0), variant := variant)
                   - CASE WHEN method = 'blocktopk'
                          THEN block_summary_reads(hkv, d_dim, lin, lout, 1, block_size)
                               - block_summary_reads(hkv, d_dim, lin, lout, 0, block_size)
                          ELSE 0.0 END};

-- batch_seconds summed over a group of `trials` trials of one configuration, problem and prompt length (lin), from
-- the trials' sums (queries/recommend/features.sql): s_lout (generated tokens), s_compute (compute_flops of one
-- sequence), s_attention_per_d (its attention FLOPs per unit of d, compute_flops with p = 0 and d = 1: attention is
-- linear in d) and s_kv (KV reads of a batch of `seqs`). Term by term batch_seconds: compute_flops is n times one
-- sequence's, every other term linear in lout or a constant of the prompt; the same seconds to rounding (sums of
-- terms, not a sum of per-trial totals). kinetics-sql recommend prices each hardware profile and VRAM from these.
CREATE OR REPLACE TEMP MACRO batch_seconds_sums(lin, trials, s_lout, s_compute, s_attention_per_d, s_kv, seqs,
                                                pl_params, pl_hq, pl_d, pl_layers, pl_k, pl_read_bytes, pl_offload_bytes,
                                                pl_gpus, pl_hidden, pl_vocab,
                                                cx_a, cx_b, cx_c, cx_t0, cx_form, cx_prefill_a, cx_prefill_c, cx_prefill_batch,
                                                cx_step_s, cx_layer_step_s, cx_offload_layer_step_s, cx_offload_attn_a,
                                                cx_prefill_offload_attn_a, cx_net_c, cx_prefill_net_c, cx_net_step_s) AS
    cx_a * seqs::DOUBLE * s_compute / pl_gpus
    + cx_b * (pl_read_bytes * s_lout + s_kv)
    + cx_c * pl_offload_bytes * CASE WHEN cx_form = 'split' THEN s_lout
                                     ELSE trials * forward_passes(lin, 0, seqs, prefill_batch := cx_prefill_batch) + s_lout END
    + cx_prefill_a * trials * seqs * (2.0 * pl_params * lin::DOUBLE + 2.0 * lin::DOUBLE * lin::DOUBLE * pl_hq * pl_d) / pl_gpus
    + cx_prefill_c * pl_offload_bytes * trials * ceil(lin::DOUBLE / cx_prefill_batch)
    + cx_step_s * s_lout + cx_layer_step_s * s_lout * pl_layers
    + cx_offload_layer_step_s * s_lout * pl_k
    + cx_offload_attn_a * seqs::DOUBLE * s_attention_per_d * ((pl_d / pl_layers) * pl_k)
    + cx_prefill_offload_attn_a * trials * seqs * 2.0 * lin::DOUBLE * lin::DOUBLE * pl_hq * (pl_d / pl_layers) * pl_k
    + coalesce(cx_net_c, 0.0) * tp_comm_bytes(pl_hidden, pl_vocab, pl_layers, seqs * s_lout, pl_gpus)
    + coalesce(cx_prefill_net_c, 0.0) * trials * tp_comm_bytes(pl_hidden, pl_vocab, pl_layers, lin, pl_gpus)
    + coalesce(cx_net_step_s, 0.0) * CASE WHEN pl_gpus > 1 THEN s_lout * (2.0 * pl_layers + 1.0) ELSE 0.0 END
    + trials * cx_t0;

-- Problems decoded together in the throughput regime from a plan row and the context's VRAM.
CREATE OR REPLACE TEMP MACRO batch_problems(waves, wave_n, resident_bytes, kv_bytes, vram_bytes, reserve_bytes) AS
    CASE WHEN waves > 1 THEN 1
         ELSE greatest(1, least(floor(throughput_max_seqs() / wave_n),
                                CASE WHEN vram_bytes IS NULL THEN 1e9
                                     ELSE floor((vram_bytes - reserve_bytes - resident_bytes) / kv_bytes) END))::INTEGER
    END;

-- GPU-seconds per problem in the throughput regime: one batch of c problems (c * wave_n sequences) / c.
CREATE OR REPLACE TEMP MACRO throughput_seconds(model_name, setting_value, method, lin, lout, budget, block_size, variant) AS (
    SELECT op_.waves * batch_seconds(method, lin, lout, budget, block_size, variant,
                                     batch_problems(op_.waves, op_.wave_n, op_.resident_bytes, op_.kv_bytes,
                                                    oc_.vram_bytes, oc_.reserve_bytes) * op_.wave_n,
                                     op_.params, op_.hq, op_.hkv, op_.d_dim, op_.layers, op_.k_layers, op_.read_bytes,
                                     op_.offload_bytes, op_.gpus, op_.hidden, op_.vocab, oc_.coef_a, oc_.coef_b,
                                     oc_.coef_c, oc_.t0, oc_.form, oc_.prefill_a, oc_.prefill_c, oc_.prefill_batch,
                                     oc_.step_s, oc_.layer_step_s, oc_.offload_layer_step_s, oc_.offload_attn_a,
                                     oc_.prefill_offload_attn_a, oc_.net_c, oc_.prefill_net_c, oc_.net_step_s)
           / batch_problems(op_.waves, op_.wave_n, op_.resident_bytes, op_.kv_bytes, oc_.vram_bytes, oc_.reserve_bytes)
    FROM offload_plan op_, offload_context oc_
    WHERE op_.model = model_name AND op_.setting = setting_value
);

-- USD per 1,000 problems on the context's hardware in a regime ('latency' or 'throughput'): the seconds are
-- one GPU's of the context's gpus (tensor parallel), all of which are paid for (context_price).
CREATE OR REPLACE TEMP MACRO dollars_cost(regime, model_name, setting_value, method, lin, lout, budget, block_size, variant) AS
    usd_per_1000(
        CASE regime
            WHEN 'latency' THEN offload_cost('latency', model_name, setting_value, method, lin, lout, budget, block_size, variant)
            WHEN 'throughput' THEN throughput_seconds(model_name, setting_value, method, lin, lout, budget, block_size, variant)
            ELSE error('unknown regime ''' || regime || ''' (expected latency or throughput)')
        END,
        context_price());

-- The price in use: USD per hour of the context's gpus GPUs of its hardware (per GPU-hour x gpus), for
-- turning seconds into dollars and back (frontier_seconds).
CREATE OR REPLACE TEMP MACRO context_price() AS (
    SELECT hardware_price(hardware) * coalesce(gpus, 1.0) FROM offload_context
);

-- requires: macros/001_cost, macros/010_arch, macros/040_tensor_parallel
-- What a trial's predicted seconds are made of, and their sums over a group of trials (one configuration, setting,
-- problem and prompt length), which pricing/seconds.sql prices: a configuration's work is summed once, then priced
-- for every plan (VRAM, waves, batch) and context (coefficients, hardware).

-- The exact sum of FLOP-like counts: in units of 2^-20 (HUGEINT), the same bits every run whatever the order in which
-- threads add (an ordered aggregate sorts and buffers every group); counts are >= 1e6, so the rounding is below 1e-12
-- relative. An aggregate: it stands where sum() could.
CREATE OR REPLACE TEMP MACRO frontier_exact_sum(x) AS
    sum(round(x * 1048576.0)::HUGEINT)::DOUBLE / 1048576.0;

-- One trial of lout tokens after a prompt of lin, per sequence, on a model of shape sh (pricing_shape: one GPU's KV
-- heads): compute FLOPs of one sequence; attention FLOPs per unit of d (p = 0, d = 1: attention is linear in d;
-- offloaded layers run theirs on the CPU); KV reads of a batch of 0 and their increase per sequence, affine in the
-- batch once block top-k's block-summary reads (pricing_block_reads, priced per batch size) are taken out. Windowed
-- and SSM layers (sh.arch; 0 for a dense transformer) add their attention over the window and their state updates
-- to compute and their window KV and state reads to each sequence's reads (arch_extra_compute / arch_extra_reads, the
-- macros `cost --cost eflops` prices with).
CREATE OR REPLACE TEMP MACRO pricing_trial_terms(method, lin, lout, budget, block_size, variant, sh) AS
    {'compute': compute_flops(method, sh.params, sh.hq, sh.d_dim, lin, lout, 1, budget := coalesce(budget, 0),
                              block_size := coalesce(block_size, 0), variant := variant)
                + arch_extra_compute(sh.hq, sh.arch.d_window, sh.arch.win, sh.arch.sinks, sh.arch.ssm_layers,
                                     sh.arch.ssm_state, lin, lout, 1),
     'attention_per_d': compute_flops(method, 0, sh.hq, 1.0, lin, lout, 1, budget := coalesce(budget, 0),
                                      block_size := coalesce(block_size, 0), variant := variant),
     'kv0': kv_reads(method, tp_kv_heads(sh.hkv, sh.gpus), sh.d_dim, lin, lout, 0, budget := coalesce(budget, 0),
                     block_size := coalesce(block_size, 0), variant := variant)
            - CASE WHEN method = 'blocktopk'
                   THEN block_summary_reads(tp_kv_heads(sh.hkv, sh.gpus), sh.d_dim, lin, lout, 0, block_size)
                   ELSE 0.0 END,
     'kv_per_seq': kv_reads(method, tp_kv_heads(sh.hkv, sh.gpus), sh.d_dim, lin, lout, 1,
                            budget := coalesce(budget, 0), block_size := coalesce(block_size, 0), variant := variant)
                   - kv_reads(method, tp_kv_heads(sh.hkv, sh.gpus), sh.d_dim, lin, lout, 0,
                              budget := coalesce(budget, 0), block_size := coalesce(block_size, 0), variant := variant)
                   - CASE WHEN method = 'blocktopk'
                          THEN block_summary_reads(tp_kv_heads(sh.hkv, sh.gpus), sh.d_dim, lin, lout, 1, block_size)
                               - block_summary_reads(tp_kv_heads(sh.hkv, sh.gpus), sh.d_dim, lin, lout, 0, block_size)
                          ELSE 0.0 END
                   + arch_extra_reads(tp_kv_heads(sh.hkv, sh.gpus), sh.arch.d_window, sh.arch.win, sh.arch.sinks,
                                      sh.arch.ssm_layers, sh.arch.ssm_state, lin, lout, 1)};

-- The sums of a group of trials (an aggregate over its rows: terms = pricing_trial_terms, lout the tokens generated).
CREATE OR REPLACE TEMP MACRO pricing_terms_sum(terms, lout) AS
    {'trials': count(*), 'lout': sum(lout::DOUBLE), 'compute': frontier_exact_sum(terms.compute),
     'attention_per_d': frontier_exact_sum(terms.attention_per_d), 'kv0': frontier_exact_sum(terms.kv0),
     'kv_per_seq': frontier_exact_sum(terms.kv_per_seq)};

-- Block top-k's block-summary reads of one trial in a batch of seqs sequences (0 for other methods): the one part of
-- the KV reads not affine in the batch, summed per batch size by the caller (an aggregate over the trials).
CREATE OR REPLACE TEMP MACRO pricing_block_reads(method, lin, lout, block_size, seqs, pl) AS
    CASE WHEN method = 'blocktopk'
         THEN block_summary_reads(tp_kv_heads(pl.hkv, pl.gpus), pl.d_dim, lin, lout, seqs, block_size)
         ELSE 0.0 END;

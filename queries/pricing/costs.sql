-- requires: macros/020_price, pricing/context, pricing/datasheet, pricing/seconds, pricing/terms
-- The cost models a frontier can be drawn in, from seconds (pricing/seconds.sql) or counts (pricing/datasheet.sql):
--   flops, eflops        datasheet counts (pricing/datasheet.sql); seconds = cost / peak
--   latency              predicted seconds per problem, latency regime
--   rflops               (latency - t0 per wave) / a_eff: the FLOP-equivalent of those seconds
--   dollars              USD per 1,000 problems, latency regime: usd_per_1000(seconds, price per GPU-hour x gpus)
--   dollars-throughput   USD per 1,000 problems, throughput regime (pricing_batch_problems at once)
-- A new cost model is one more branch in pricing_cost and frontier_cost (and one more name in
-- kinetics_sql.frontier.COSTS).

-- The regime a cost model's seconds are in: problems decoded at once under plan pl (1 but for dollars-throughput).
CREATE OR REPLACE TEMP MACRO pricing_problems_at_once(cost_model, pl, cx) AS
    CASE WHEN cost_model = 'dollars-throughput' THEN pricing_batch_problems(pl, cx) ELSE 1 END;

-- A cost from the seconds of a group of `trials` trials (seconds_sum: pricing_group_seconds summed over them;
-- t0_sum: the per-wave constants among them, waves * t0 * trials).
CREATE OR REPLACE TEMP MACRO pricing_cost(cost_model, seconds_sum, t0_sum, trials, cx) AS
    CASE cost_model
        WHEN 'latency' THEN seconds_sum / trials
        WHEN 'rflops' THEN (seconds_sum - t0_sum) / trials / cx.a_eff
        WHEN 'dollars' THEN usd_per_1000(seconds_sum / trials, pricing_usd_per_hour(cx))
        WHEN 'dollars-throughput' THEN usd_per_1000(seconds_sum / trials, pricing_usd_per_hour(cx))
        ELSE error('unknown cost model ''' || coalesce(cost_model, 'NULL') || ''' (expected flops, eflops, rflops, '
                   || 'latency, dollars or dollars-throughput)')
    END;

-- One trial's cost under plan row pl (its model and setting) and context cx: the group formulas over a group of one
-- (terms: pricing_trial_terms of the trial, a column of the caller: DuckDB expands a macro argument at every use).
CREATE OR REPLACE TEMP MACRO pricing_trial_cost(cost_model, method, lin, lout, block_size, terms, problems, pl, cx) AS
    pricing_cost(cost_model,
                 pricing_group_seconds(lin, {'trials': 1, 'lout': lout::DOUBLE, 'compute': terms.compute,
                                             'attention_per_d': terms.attention_per_d, 'kv0': terms.kv0,
                                             'kv_per_seq': terms.kv_per_seq},
                                       pricing_block_reads(method, lin, lout, block_size, problems * pl.wave_n, pl),
                                       problems, pl, cx),
                 pl.waves * cx.t0, 1, cx);

-- Any cost model for one trial: every argument is a column or a constant of frontier_points. flops and eflops need
-- the model's shape and the hardware's intensity; the others its plan row pl (pricing_plan), the context cx and its
-- pricing_trial_terms (terms).
-- gpus > 1: tensor parallelism, one GPU's cost; with gpus = 1 the tp_ macros are bit for bit the one-GPU ones.
-- arch: the model's layers beyond dense attention (frontier_models; queries/macros/010_arch.sql).
CREATE OR REPLACE TEMP MACRO frontier_cost(cost_model, method, p, hq, hkv, d, lin, lout, n, i, budget, block_size, variant,
                                          pl := NULL, cx := NULL, terms := NULL, gpus := 1, i_net := NULL, hidden := 0,
                                          vocab := 0, layers := 0,
                                          arch := {'d_window': 0.0, 'win': 0.0, 'sinks': 0.0, 'ssm_layers': 0.0, 'ssm_state': 0.0}) AS
    CASE
        WHEN cost_model IN ('flops', 'eflops') THEN
            frontier_cost_datasheet(cost_model, method, p, hq, hkv, d, lin, lout, n, i, budget, block_size, variant,
                                    gpus := gpus, i_net := i_net, hidden := hidden, vocab := vocab, layers := layers,
                                    arch := arch)
        WHEN cost_model IN ('rflops', 'latency', 'dollars', 'dollars-throughput') THEN
            coalesce(pricing_trial_cost(cost_model, method, lin, lout, block_size, terms,
                                        pricing_problems_at_once(cost_model, pl, cx), pl, cx),
                     error('no VRAM plan for this model and setting (pricing_plan): the pricing context needs one'))
        ELSE error('unknown cost model ''' || coalesce(cost_model, 'NULL') || ''' (expected flops, eflops, rflops, latency, dollars or dollars-throughput)')
    END;

-- Seconds of a frontier cost: latency is seconds already; FLOPs and rFLOPs are divided by the peak (rFLOPs weigh bytes
-- by i_gpu = peak / HBM: the roofline). eFLOPs weigh KV bytes by i = 2 * peak / HBM, so eFLOPs / peak would count the
-- memory time twice: they are divided by i * HBM = 2 * peak, the Kinetics figures' "B200 seconds" (Tera-eFLOPs / 4500
-- on the B200). dollars (USD per 1,000 problems) give back the GPU-seconds they pay for at the context's price.
CREATE OR REPLACE TEMP MACRO frontier_seconds(cost_model, cost, peak_flops, cx := NULL) AS
    CASE WHEN cost_model = 'latency' THEN cost
         WHEN cost_model IN ('dollars', 'dollars-throughput') THEN cost * 3.6 / pricing_usd_per_hour(cx)
         WHEN cost_model = 'eflops' THEN cost / (2.0 * peak_flops)
         ELSE cost / peak_flops END;

-- Tera units of a FLOP-like cost (flops, eflops, rflops): cost / 1e12; NULL for latency (seconds) and dollars (USD per
-- 1,000 problems), whose numbers are in their own units already (a column cost_tera of them would read as Tera-FLOPs).
CREATE OR REPLACE TEMP MACRO frontier_tera(cost_model, cost) AS
    CASE WHEN cost_model IN ('flops', 'eflops', 'rflops') THEN cost / 1e12 END;

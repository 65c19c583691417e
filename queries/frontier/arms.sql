-- Per-arm building blocks of the frontier macros (created TEMP on the connection before
-- frontier/strategies.sql and frontier/macros.sql, which use them): the cost of an arm, a
-- configuration's label, unbiased coverage, and per model what the cost macros need.

-- The datasheet cost models alone (flops, eflops): frontier_cost's branches for them, as a macro of their own,
-- which DuckDB plans in a fraction of frontier_cost's time (the offload look-ups of frontier_cost are planned for
-- every row even where not taken). model_name and setting_value: frontier_cost's signature, unused here.
CREATE OR REPLACE TEMP MACRO frontier_cost_datasheet(cost_model, method, p, hq, hkv, d, lin, lout, n, i, budget, block_size,
                                                     variant, model_name := NULL, setting_value := NULL, gpus := 1,
                                                     i_net := NULL, hidden := 0, vocab := 0, layers := 0,
                                                     arch := {'d_window': 0.0, 'win': 0.0, 'sinks': 0.0, 'ssm_layers': 0.0, 'ssm_state': 0.0}) AS
    CASE cost_model
        WHEN 'flops' THEN
            tp_compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, budget := budget, block_size := block_size,
                             variant := variant)
            + arch_extra_compute(hq, arch.d_window, arch.win, arch.sinks, arch.ssm_layers, arch.ssm_state, lin, lout, n)
              / gpus::DOUBLE
        WHEN 'eflops' THEN
            tp_eflops(method, p, hq, hkv, d, lin, lout, n, i, i_net, hidden, vocab, layers, gpus, budget := budget,
                      block_size := block_size, variant := variant)
            + arch_extra_compute(hq, arch.d_window, arch.win, arch.sinks, arch.ssm_layers, arch.ssm_state, lin, lout, n)
              / gpus::DOUBLE
            + i::DOUBLE * (arch_extra_reads(tp_kv_heads(hkv, gpus), arch.d_window, arch.win, arch.sinks, 0, 0, lin, lout, n)
                           + ssm_state_reads(arch.ssm_layers, arch.ssm_state, lout, n) / gpus::DOUBLE)
        ELSE error('frontier_cost_datasheet: cost model ''' || coalesce(cost_model, 'NULL') || ''' is not flops or eflops')
    END;

-- The part of frontier_cost_datasheet that is not affine in n: block top-k's block-summary reads (per GPU's KV heads,
-- as tp_kv_reads) at i FLOPs per element under eflops; 0 otherwise. frontier_cost_datasheet(n) minus this is affine
-- in n (tests/test_frontier.py checks it over methods, variants, GPUs and architectures), so frontier_points prices
-- a trial at n = 0 and 1 and every other N through this term alone.
CREATE OR REPLACE TEMP MACRO frontier_cost_nonaffine(cost_model, method, hkv, d, lin, lout, n, i, block_size, gpus := 1) AS
    CASE WHEN cost_model = 'eflops' AND method = 'blocktopk'
         THEN i::DOUBLE * block_summary_reads(tp_kv_heads(hkv, gpus), d, lin, lout, n, block_size)
         ELSE 0.0 END;

-- A trial's datasheet cost at N is c0 + N (c1 - c0) + frontier_cost_nonaffine(N): c0 and c1, its affine part at
-- n = 0 and n = 1 (frontier_cost_datasheet's arguments but n).
CREATE OR REPLACE TEMP MACRO frontier_cost_affine(cost_model, method, p, hq, hkv, d, lin, lout, i, budget, block_size, variant,
                                                  gpus := 1, i_net := NULL, hidden := 0, vocab := 0, layers := 0,
                                                  arch := {'d_window': 0.0, 'win': 0.0, 'sinks': 0.0, 'ssm_layers': 0.0, 'ssm_state': 0.0}) AS
    {'c0': frontier_cost_datasheet(cost_model, method, p, hq, hkv, d, lin, lout, 0, i, budget, block_size, variant,
                                   gpus := gpus, i_net := i_net, hidden := hidden, vocab := vocab, layers := layers, arch := arch)
           - frontier_cost_nonaffine(cost_model, method, hkv, d, lin, lout, 0, i, block_size, gpus := gpus),
     'c1': frontier_cost_datasheet(cost_model, method, p, hq, hkv, d, lin, lout, 1, i, budget, block_size, variant,
                                   gpus := gpus, i_net := i_net, hidden := hidden, vocab := vocab, layers := layers, arch := arch)
           - frontier_cost_nonaffine(cost_model, method, hkv, d, lin, lout, 1, i, block_size, gpus := gpus)};

-- The cost models a frontier can be drawn in. A new cost model is one more branch here (and one more
-- name in kinetics_sql.frontier.COSTS); every argument is a column or a constant of frontier_points.
-- gpus > 1: tensor parallelism (flops and eflops here, rflops and latency through the offload plan), one
-- GPU's cost; with gpus = 1 the tp_ macros are bit for bit the one-GPU ones.
-- arch: the model's layers beyond dense attention (frontier_models: sliding-window layers, SSM layers); their
-- compute and reads are added by arch_extra_compute / arch_extra_reads (queries/macros/010_arch.sql), split
-- over the gpus like the rest (KV heads per GPU as tp_kv_reads). All zero for a dense model: the sum is
-- then bit for bit Kinetics' (x + 0.0 = x).
-- Each inner macro is called once, the cost model passed through: DuckDB expands a macro at every call.
CREATE OR REPLACE TEMP MACRO frontier_cost(cost_model, method, p, hq, hkv, d, lin, lout, n, i, budget, block_size, variant,
                                          model_name := NULL, setting_value := NULL, gpus := 1, i_net := NULL, hidden := 0,
                                          vocab := 0, layers := 0,
                                          arch := {'d_window': 0.0, 'win': 0.0, 'sinks': 0.0, 'ssm_layers': 0.0, 'ssm_state': 0.0}) AS
    CASE
        WHEN cost_model IN ('flops', 'eflops') THEN
            frontier_cost_datasheet(cost_model, method, p, hq, hkv, d, lin, lout, n, i, budget, block_size, variant,
                                    gpus := gpus, i_net := i_net, hidden := hidden, vocab := vocab, layers := layers,
                                    arch := arch)
        -- rflops, latency: offload-aware, per model and setting (queries/fit/offload.sql, kinetics_sql.costmodel);
        -- dollars: USD per 1,000 problems, latency or throughput regime (queries/pricing/macros.sql, kinetics_sql.pricing)
        WHEN cost_model IN ('rflops', 'latency', 'dollars', 'dollars-throughput') THEN
            coalesce(CASE WHEN cost_model IN ('rflops', 'latency')
                          THEN offload_cost(cost_model, model_name, setting_value, method, lin, lout, budget, block_size,
                                            variant)
                          ELSE dollars_cost(CASE cost_model WHEN 'dollars' THEN 'latency' ELSE 'throughput' END, model_name,
                                            setting_value, method, lin, lout, budget, block_size, variant) END,
                     error('no offload plan for ' || model_name || ': the frontier writes it (kinetics_sql.costmodel.write_plan)'))
        ELSE error('unknown cost model ''' || coalesce(cost_model, 'NULL') || ''' (expected flops, eflops, rflops, latency, dollars or dollars-throughput)')
    END;

-- The exact sum of FLOP-like costs: in units of 2^-20 FLOPs (HUGEINT), the same bits every run whatever the order
-- in which threads add (an ordered aggregate sorts and buffers every group); FLOP counts are >= 1e6, so the
-- rounding is below 1e-12 relative. An aggregate: it stands where sum() could.
CREATE OR REPLACE TEMP MACRO frontier_exact_sum(x) AS
    sum(round(x * 1048576.0)::HUGEINT)::DOUBLE / 1048576.0;

-- A configuration's short label. Two Kinetics files can share (model, method, budget): a second
-- run (topk32_1 -> "topk32 #1") or a local window (local128_topk128 -> "topk256 local128"); they
-- stay distinct configurations. Sources that do not follow the Kinetics naming pool by configuration.
CREATE OR REPLACE TEMP MACRO frontier_label(method, budget, block_size, source) AS
    CASE method
        WHEN 'dense' THEN 'dense'
        WHEN 'blocktopk' THEN 'blocktopk' || budget::VARCHAR || ' b' || block_size::VARCHAR
        ELSE method || budget::VARCHAR
    END
    || CASE WHEN regexp_extract(source, '_local(\d+)_', 1) NOT IN ('', '0')
            THEN ' local' || regexp_extract(source, '_local(\d+)_', 1) ELSE '' END
    || CASE WHEN regexp_extract(source, '_topk\d+_(\d+)_', 1) <> ''
            THEN ' #' || regexp_extract(source, '_topk\d+_(\d+)_', 1) ELSE '' END
    -- Best-of-Infinity answer tables (other generation settings than Kinetics' for the same model): their own
    || CASE WHEN regexp_matches(source, '^analysis_.+\.jsonl$') THEN ' boinf' ELSE '' END;

-- The adaptive strategies' configuration suffix (queries/frontier/strategies.sql, queries/recommend/adaptive_points.sql,
-- queries/strategies/adaptive_arms.sql): ' batch b' for the margin rule's batches beyond 1 (esc: the window is the
-- setting), ' max N' for a cap below all samples.
CREATE OR REPLACE TEMP MACRO frontier_adaptive_label(rule, batch, max_n) AS
    CASE WHEN batch > 1 AND rule = 'margin' THEN ' batch ' || batch::VARCHAR ELSE '' END
    || CASE WHEN max_n IS NULL THEN '' ELSE ' max ' || max_n::VARCHAR END;

-- Unbiased best-of-N coverage from n samples of which c are correct: 1 - C(n-c, N) / C(n, N),
-- as the product of N ratios (exact to rounding; zero once n - c < N).
CREATE OR REPLACE TEMP MACRO frontier_coverage(n, c, big_n) AS
    1.0 - list_product(list_transform(range(0, big_n), lambda j: (n - c - j)::DOUBLE / (n - j)::DOUBLE));

-- Long CoT from lengths (answer tables: sources of p_task with per-sample correctness and no truncation scores in
-- trial_budgets): the generation budgets each source is cut at, 1024, 2048, ... up to the first at or above its
-- longest sample (queries/frontier/strategies.sql prices them; queries/fit/offload_plan.sql plans them).
CREATE OR REPLACE TEMP MACRO frontier_length_caps(p_task) AS TABLE
    SELECT l.source, l.model, (2 ** k)::INTEGER AS cap
    FROM (SELECT source, any_value(model) AS model, max(gen_tokens) AS longest FROM trials
          WHERE correct IS NOT NULL AND task = p_task
            AND source NOT IN (SELECT DISTINCT source FROM trial_budgets WHERE task = p_task)
          GROUP BY source) l, range(10, 31) r(k)
    WHERE 2 ** (k - 1) < l.longest OR k = 10;

-- Per hardware profile what the cost macros need: peak FLOP/s; i, FLOPs per KV element read (2 * peak / HBM bytes/s,
-- eFLOPs); i_net, FLOPs per interconnect byte (tensor parallel).
CREATE OR REPLACE TEMP MACRO frontier_hardware(p_hardware) AS TABLE
    SELECT peak_flops, 2.0 * peak_flops / hbm_bytes_per_s AS i, peak_flops / interconnect_bytes_per_s AS i_net
    FROM hardware WHERE name = p_hardware;

-- Per model what the cost macros need: the Kinetics parameter count where the model has one (model_params'
-- default), else the active parameters (MoE: shared + a token's experts); d over full-attention layers;
-- arch: windowed layers, sink tokens, SSM layers and state (zero for a dense model).
CREATE OR REPLACE TEMP MACRO frontier_models() AS TABLE
    SELECT name AS model, coalesce(params_kinetics, active_params, params) AS p, hq, hkv,
           (head_dim * coalesce(attention_layers, layers))::DOUBLE AS d, hidden, vocab, layers,
           {'d_window': (head_dim * coalesce(window_layers, 0))::DOUBLE, 'win': coalesce(sliding_window, 0)::DOUBLE,
            'sinks': coalesce(sink_tokens, 0)::DOUBLE, 'ssm_layers': coalesce(ssm_layers, 0)::DOUBLE,
            'ssm_state': coalesce(ssm_state_elements, 0.0)} AS arch
    FROM models;

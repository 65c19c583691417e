-- requires: macros/001_cost, macros/010_arch, macros/040_tensor_parallel
-- The datasheet cost models (flops, eflops) of one trial: counts of work from the model's shape and the hardware's
-- intensity i (2 * peak / HBM bytes/s), no coefficients and no VRAM plan. seconds = cost / peak (pricing/costs.sql).

-- The datasheet cost models alone (flops, eflops): frontier_cost's branches for them, as a macro of their own,
-- which DuckDB plans in a fraction of frontier_cost's time (the offload look-ups of frontier_cost are planned for
-- every row even where not taken). pl, cx and terms: frontier_cost's signature (pricing/costs.sql), unused here.
CREATE OR REPLACE TEMP MACRO frontier_cost_datasheet(cost_model, method, p, hq, hkv, d, lin, lout, n, i, budget, block_size,
                                                     variant, pl := NULL, cx := NULL, terms := NULL, gpus := 1,
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


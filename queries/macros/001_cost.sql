-- Kinetics cost model (docs/cost-model.md) as DuckDB macros.
-- All results are raw counts as DOUBLE; every argument is cast to DOUBLE before arithmetic so
-- that INT32 literals cannot overflow.

-- Guard: the method and variant must be known; an unknown (or NULL) one raises, never NULL.
-- (`x NOT IN (...)` is NULL for a NULL x, so NULL must be tested explicitly.)
CREATE OR REPLACE TEMP MACRO kinetics_check(method, variant, budget, block_size) AS
    CASE
        WHEN method IS NULL OR method NOT IN ('dense', 'topk', 'blocktopk', 'window')
            THEN error('unknown attention method ''' || coalesce(method, 'NULL') || ''' (expected dense, topk, blocktopk or window)')
        WHEN variant IS NULL OR variant NOT IN ('exact', 'published')
            THEN error('unknown cost variant ''' || coalesce(variant, 'NULL') || ''' (expected exact or published)')
        WHEN method <> 'dense' AND (budget IS NULL OR budget::DOUBLE <= 0)
            THEN error('method ''' || method || ''' needs a KV budget > 0 (budget := tokens)')
        WHEN method = 'blocktopk' AND (block_size IS NULL OR block_size::DOUBLE <= 0)
            THEN error('method ''blocktopk'' needs block_size > 0')
        ELSE true
    END;

-- S: attended KV tokens summed over the lout decode steps of one trial with budget b.
--   exact:     x = min(lout, max(0, b - lin)); S = lin*x + x^2/2 + b*(lout - x)
--   published: S = b*lout + 0.5*max(0, b - lin)^2   (the sign the Kinetics tables used)
CREATE OR REPLACE TEMP MACRO kv_token_steps(lin, lout, budget, variant := 'exact') AS
    CASE variant
        WHEN 'published' THEN
            budget::DOUBLE * lout::DOUBLE + 0.5 * pow(greatest(0.0, budget::DOUBLE - lin::DOUBLE), 2)
        WHEN 'exact' THEN (
            lin::DOUBLE * least(lout::DOUBLE, greatest(0.0, budget::DOUBLE - lin::DOUBLE))
            + 0.5 * pow(least(lout::DOUBLE, greatest(0.0, budget::DOUBLE - lin::DOUBLE)), 2)
            + budget::DOUBLE * (lout::DOUBLE - least(lout::DOUBLE, greatest(0.0, budget::DOUBLE - lin::DOUBLE)))
        )
        ELSE error('unknown cost variant ''' || coalesce(variant, 'NULL') || ''' (expected exact or published)')
    END;

-- Compute FLOPs of n trials of lout tokens after a prompt of lin tokens (d = head_dim * layers).
CREATE OR REPLACE TEMP MACRO compute_flops(method, p, hq, d, lin, lout, n, budget := 0, block_size := 0, variant := 'exact') AS
    CASE WHEN kinetics_check(method, variant, budget, block_size) THEN
        n::DOUBLE * (
            2.0 * p::DOUBLE * lout::DOUBLE
            + CASE method
                WHEN 'dense' THEN 2.0 * (2.0 * lin::DOUBLE + lout::DOUBLE) * lout::DOUBLE * hq::DOUBLE * d::DOUBLE
                WHEN 'blocktopk' THEN
                    4.0 * kv_token_steps(lin, lout, budget, variant) * hq::DOUBLE * d::DOUBLE
                    + floor((2.0 * lin::DOUBLE + lout::DOUBLE) / block_size::DOUBLE) * lout::DOUBLE * hq::DOUBLE * d::DOUBLE
                ELSE 4.0 * kv_token_steps(lin, lout, budget, variant) * hq::DOUBLE * d::DOUBLE
              END
        )
    END;

-- Block top-k's block-summary reads: one summary per block of the whole cache (shared prompt + n trials) at each
-- of the lout steps. The one term of kv_reads that is not linear in n (frontier_points prices N through it).
CREATE OR REPLACE TEMP MACRO block_summary_reads(hkv, d, lin, lout, n, block_size) AS
    floor((2.0 * lin::DOUBLE + n::DOUBLE * lout::DOUBLE) / block_size::DOUBLE) * lout::DOUBLE * hkv::DOUBLE * d::DOUBLE;

-- KV-cache element reads. Dense shares the prompt KV across the n trials; block top-k reads one
-- summary per block of the whole (shared prompt + n trials) cache.
CREATE OR REPLACE TEMP MACRO kv_reads(method, hkv, d, lin, lout, n, budget := 0, block_size := 0, variant := 'exact') AS
    CASE WHEN kinetics_check(method, variant, budget, block_size) THEN
        CASE method
            WHEN 'dense' THEN
                2.0 * (2.0 * lin::DOUBLE + n::DOUBLE * lout::DOUBLE) * lout::DOUBLE * hkv::DOUBLE * d::DOUBLE
            WHEN 'blocktopk' THEN
                n::DOUBLE * 4.0 * kv_token_steps(lin, lout, budget, variant) * hkv::DOUBLE * d::DOUBLE
                + block_summary_reads(hkv, d, lin, lout, n, block_size)
            ELSE n::DOUBLE * 4.0 * kv_token_steps(lin, lout, budget, variant) * hkv::DOUBLE * d::DOUBLE
        END
    END;

-- eFLOPs = compute + i * KV reads (i: FLOPs per KV element, 2 * peak / HBM bytes/s).
CREATE OR REPLACE TEMP MACRO eflops(method, p, hq, hkv, d, lin, lout, n, i, budget := 0, block_size := 0, variant := 'exact') AS
    compute_flops(method, p, hq, d, lin, lout, n, budget := budget, block_size := block_size, variant := variant)
    + i::DOUBLE * kv_reads(method, hkv, d, lin, lout, n, budget := budget, block_size := block_size, variant := variant);

-- A configuration's label and best-of-N coverage: the vocabulary every selection of trials uses.

-- A configuration's short label. Two Kinetics files can share (model, method, budget): a second run (topk32_1 ->
-- "topk32 #1") or a local window (local128_topk128 -> "topk256 local128"); they stay distinct configurations, as do the
-- Best-of-Infinity answer tables (other generation settings than Kinetics' for the same model: " boinf"). The facts are
-- columns stored at ingest (local_window, run_index, answer_table: queries/migrations/060_source_facts.sql), never read
-- from file names here. Sources without them pool by configuration.
CREATE OR REPLACE TEMP MACRO frontier_label(method, budget, block_size, local_window, run_index, answer_table) AS
    CASE method
        WHEN 'dense' THEN 'dense'
        WHEN 'blocktopk' THEN 'blocktopk' || budget::VARCHAR || ' b' || block_size::VARCHAR
        ELSE method || budget::VARCHAR
    END
    || CASE WHEN coalesce(local_window, 0) <> 0 THEN ' local' || local_window::VARCHAR ELSE '' END
    || CASE WHEN run_index IS NOT NULL THEN ' #' || run_index::VARCHAR ELSE '' END
    || CASE WHEN answer_table THEN ' boinf' ELSE '' END;

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


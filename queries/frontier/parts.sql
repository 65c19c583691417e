-- The parts a frontier_points instance leaves out (queries/frontier/points_macro.sql): empty points tables.

-- No points: frontier_points' columns but seconds and gpus, no rows.
CREATE OR REPLACE TEMP MACRO frontier_no_points() AS TABLE
    SELECT NULL::VARCHAR AS model, NULL::VARCHAR AS method, NULL::INTEGER AS budget, NULL::INTEGER AS block_size,
           NULL::VARCHAR AS config, NULL::INTEGER AS setting, NULL::VARCHAR AS problem_id, NULL::DOUBLE AS accuracy,
           NULL::DOUBLE AS cost, NULL::BIGINT AS trials
    WHERE false;

-- The strategies over answer tables (queries/frontier/strategies.sql) left out: the best-of-N instance of frontier_points.
CREATE OR REPLACE TEMP MACRO strategy_points_none(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods,
                                                  p_gpus := 1, p_sources := []::VARCHAR[], p_batch := 1, p_max_n := 0,
                                                  p_pricing := NULL) AS TABLE
    SELECT * FROM frontier_no_points();

-- No VRAM plan: pricing_plan's columns model, setting and the row, no rows (the datasheet instance of strategies.sql).
CREATE OR REPLACE TEMP MACRO frontier_plan_none(cx, p_task, p_strategy, p_sources) AS TABLE
    SELECT NULL::VARCHAR AS model, NULL::INTEGER AS setting WHERE false;

-- No trial terms (the datasheet instance of strategies.sql, whose costs need none): pricing_trial_terms' signature.
CREATE OR REPLACE TEMP MACRO frontier_no_terms(method, lin, lout, budget, block_size, variant, sh) AS NULL;

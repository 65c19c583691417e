-- What frontier_points (queries/frontier/points_macro.sql) and its offload-aware part (offload_points.sql) read, as
-- table macros: a selection's best-of-N problems, their unbiased coverage at every N, and their trials (best-of-N)
-- or traces cut at a generation budget (long CoT); and an empty points table for the parts an instance leaves out.
-- A selection: p_task, the models and attention methods (empty lists: all) and source LIKE patterns (empty: all).

-- Best-of-N problems with their configuration (sources of one configuration pool their samples).
CREATE OR REPLACE TEMP MACRO frontier_bon_problems(p_task, p_models, p_methods, p_sources) AS TABLE
    SELECT source, task, problem_id, model, method, budget, block_size, n_samples, n_correct, prompt_tokens,
           model || ' ' || frontier_label(method, budget, block_size, source) AS config
    FROM problems
    WHERE task = p_task
      AND (len(p_models) = 0 OR list_contains(p_models, model))
      AND (len(p_methods) = 0 OR list_contains(p_methods, method))
      AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: source LIKE s)) > 0);

-- Per configuration, problem and N = 1, 2, 4, ... up to the samples drawn, and N = all samples (the fewest any problem
-- of the configuration has: one N for every problem): the unbiased coverage (once per N, not per trial: it is a
-- product over N terms).
CREATE OR REPLACE TEMP MACRO frontier_bon_accuracy(p_task, p_models, p_methods, p_sources) AS TABLE
    WITH pc AS (
        SELECT *, min(n_samples) OVER (PARTITION BY config) AS n_all
        FROM (SELECT config, problem_id, sum(n_samples)::INTEGER AS n_samples, sum(n_correct)::INTEGER AS n_correct
              FROM frontier_bon_problems(p_task, p_models, p_methods, p_sources) GROUP BY ALL)
    ), ns AS (
        SELECT pc.*, (2 ** k)::INTEGER AS setting FROM pc, range(0, 31) r(k) WHERE 2 ** k <= n_samples
        UNION   -- N = all (already there when it is a power of two)
        SELECT pc.*, n_all::INTEGER FROM pc
    )
    SELECT config, problem_id, setting, frontier_coverage(n_samples, n_correct, setting) AS accuracy FROM ns;

-- One row per trial with its configuration and lengths (lin prompt, lout generated tokens): best-of-N's trials
-- (setting NULL: every N applies; correct NULL: coverage comes from the problem's counts), long CoT's traces cut at a
-- generation budget (setting: the budget; lout: the tokens used; correct within it).
CREATE OR REPLACE TEMP MACRO frontier_trials(p_task, p_strategy, p_models, p_methods, p_sources) AS TABLE
    WITH lin AS (   -- long CoT: a problem's prompt length, from its problems or trials rows
        SELECT source, task, problem_id, any_value(prompt_tokens) AS prompt_tokens
        FROM (SELECT source, task, problem_id, prompt_tokens FROM problems WHERE prompt_tokens IS NOT NULL
              UNION ALL
              SELECT source, task, problem_id, prompt_tokens FROM trials WHERE prompt_tokens IS NOT NULL)
        WHERE p_strategy = 'long-cot'
        GROUP BY ALL
    )
    SELECT b.model, b.method, b.budget, b.block_size, b.config, NULL::INTEGER AS setting, b.problem_id, t.source,
           t.trial, coalesce(t.prompt_tokens, b.prompt_tokens, 0) AS lin, t.gen_tokens AS lout, NULL::BOOLEAN AS correct
    FROM frontier_bon_problems(p_task, p_models, p_methods, p_sources) b
    JOIN trials t ON t.source = b.source AND t.task = b.task AND t.problem_id = b.problem_id
    WHERE p_strategy = 'best-of-n'
    UNION ALL
    SELECT tb.model, tb.method, tb.budget, tb.block_size,
           tb.model || ' ' || frontier_label(tb.method, tb.budget, tb.block_size, tb.source) AS config,
           tb.gen_budget AS setting, tb.problem_id, tb.source, tb.trial,
           CASE WHEN l.prompt_tokens IS NULL
                THEN error('no prompt_tokens for source ' || tb.source || ', problem ' || tb.problem_id
                           || ': ingest its problems or trials rows')
                ELSE l.prompt_tokens END AS lin,
           tb.tokens_used AS lout, tb.correct
    FROM trial_budgets tb
    LEFT JOIN lin l ON l.source = tb.source AND l.task = tb.task AND l.problem_id = tb.problem_id
    WHERE p_strategy = 'long-cot' AND tb.task = p_task
      AND (len(p_models) = 0 OR list_contains(p_models, tb.model))
      AND (len(p_methods) = 0 OR list_contains(p_methods, tb.method))
      AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: tb.source LIKE s)) > 0);

-- No points: frontier_points' columns but seconds and gpus, no rows.
CREATE OR REPLACE TEMP MACRO frontier_no_points() AS TABLE
    SELECT NULL::VARCHAR AS model, NULL::VARCHAR AS method, NULL::INTEGER AS budget, NULL::INTEGER AS block_size,
           NULL::VARCHAR AS config, NULL::INTEGER AS setting, NULL::VARCHAR AS problem_id, NULL::DOUBLE AS accuracy,
           NULL::DOUBLE AS cost, NULL::BIGINT AS trials
    WHERE false;

-- The strategies over answer tables (queries/frontier/strategies.sql) left out: the best-of-N instance of frontier_points.
CREATE OR REPLACE TEMP MACRO strategy_points_none(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods,
                                                  p_gpus := 1, p_sources := []::VARCHAR[], p_batch := 1, p_max_n := 0) AS TABLE
    SELECT * FROM frontier_no_points();

-- requires: selection/labels
-- What a selection reads, as table macros: a selection's best-of-N problems, their unbiased coverage at every N,
-- and their trials (best-of-N) or traces cut at a generation budget (long CoT); the generation budgets answer tables
-- are cut at. A selection: p_task, the models and attention methods (empty lists: all) and source LIKE patterns
-- (empty: all).

-- Best-of-N problems with their configuration (sources of one configuration pool their samples).
CREATE OR REPLACE TEMP MACRO frontier_bon_problems(p_task, p_models, p_methods, p_sources) AS TABLE
    SELECT source, task, problem_id, model, method, budget, block_size, n_samples, n_correct, prompt_tokens,
           model || ' ' || frontier_label(method, budget, block_size, local_window, run_index, answer_table) AS config
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
-- (setting NULL: every N applies; correct NULL: coverage comes from the problem's counts; lin NULL where no prompt
-- length is recorded, the answer tables: pricing prices it with pricing_default_prompt_tokens()), long CoT's traces
-- cut at a generation budget (setting: the budget; lout: the tokens used; correct within it); majority and
-- majority-budget: the samples of the problems with votes (majority_votes), as best-of-N's, once per cap B they are
-- cut at (configuration "<config> cap B", lout = least(tokens, B); majority: uncapped only).
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
           t.trial, coalesce(t.prompt_tokens, b.prompt_tokens) AS lin, t.gen_tokens AS lout, NULL::BOOLEAN AS correct
    FROM frontier_bon_problems(p_task, p_models, p_methods, p_sources) b
    JOIN trials t ON t.source = b.source AND t.task = b.task AND t.problem_id = b.problem_id
    WHERE p_strategy = 'best-of-n'
    UNION ALL
    SELECT b.model, b.method, b.budget, b.block_size,
           b.config || CASE WHEN c.gen_budget IS NULL THEN '' ELSE ' cap ' || c.gen_budget::VARCHAR END AS config,
           NULL::INTEGER AS setting, b.problem_id, t.source, t.trial, coalesce(t.prompt_tokens, b.prompt_tokens) AS lin,
           CASE WHEN c.gen_budget IS NULL THEN t.gen_tokens ELSE least(t.gen_tokens, c.gen_budget) END AS lout,
           NULL::BOOLEAN AS correct
    FROM frontier_bon_problems(p_task, p_models, p_methods, p_sources) b
    JOIN (SELECT DISTINCT source, problem_id, gen_budget FROM majority_votes) c
      ON c.source = b.source AND c.problem_id = b.problem_id
    JOIN trials t ON t.source = b.source AND t.task = b.task AND t.problem_id = b.problem_id
    WHERE p_strategy = 'majority-budget' OR (p_strategy = 'majority' AND c.gen_budget IS NULL)
    UNION ALL
    SELECT tb.model, tb.method, tb.budget, tb.block_size,
           tb.model || ' ' || frontier_label(tb.method, tb.budget, tb.block_size, tb.local_window, tb.run_index,
                                              tb.answer_table) AS config,
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

-- Long CoT from lengths (answer tables: sources of p_task with per-sample correctness and no truncation scores in
-- trial_budgets): the generation budgets each source is cut at, 1024, 2048, ... up to the first at or above its
-- longest sample (queries/frontier/strategies.sql prices them; queries/pricing/plan.sql plans them).
CREATE OR REPLACE TEMP MACRO frontier_length_caps(p_task) AS TABLE
    SELECT l.source, l.model, (2 ** k)::INTEGER AS cap
    FROM (SELECT source, any_value(model) AS model, max(gen_tokens) AS longest FROM trials
          WHERE correct IS NOT NULL AND task = p_task
            AND source NOT IN (SELECT DISTINCT source FROM trial_budgets WHERE task = p_task)
          GROUP BY source) l, range(10, 31) r(k)
    WHERE 2 ** (k - 1) < l.longest OR k = 10;


-- Strategies over per-sample answers and lengths (created TEMP before frontier/macros.sql, whose
-- frontier_points unions these rows with its best-of-n and long-cot ones). Same columns as frontier_points:
-- model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials.
--
--   majority         self-consistency: N samples vote, the plurality answer (ties uniform) must be gold;
--                    accuracy from majority_votes (exact or unbiased, queries/strategies/majority_build.sql),
--                    setting = N; uncapped samples.
--   majority-budget  the same with every sample capped at a generation budget B (a sample that needs more
--                    than B tokens has no answer): configurations "<model> dense cap B" (and uncapped), setting = N.
--   long-cot         (sources without truncation scores, trial_budgets) from lengths only: a sample is
--                    correct at budget B when it is correct and used at most B tokens. A lower bound on
--                    re-scoring the truncated text (an answer may appear before the trace ends).
-- Cost: the mean over the problem's samples of frontier_cost(lout = least(tokens, B), n = N), the prompt
-- length where known, else 0 (the answer tables carry no prompt text: generation cost only).
CREATE OR REPLACE TEMP MACRO strategy_points(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods) AS TABLE
WITH hw AS (
    SELECT peak_flops, 2.0 * peak_flops / hbm_bytes_per_s AS i FROM hardware WHERE name = p_hardware
),
mdl AS (SELECT * FROM frontier_models()),
sel AS (
    SELECT source, task, problem_id, model, method, budget, block_size, prompt_tokens,
           model || ' ' || frontier_label(method, budget, block_size, source) AS config
    FROM problems
    WHERE p_strategy IN ('majority', 'majority-budget', 'long-cot') AND task = p_task
      AND (len(p_models) = 0 OR list_contains(p_models, model))
      AND (len(p_methods) = 0 OR list_contains(p_methods, method))
),
maj AS (
    SELECT s.model, s.method, s.budget, s.block_size,
           s.config || CASE WHEN v.gen_budget IS NULL THEN '' ELSE ' cap ' || v.gen_budget::VARCHAR END AS config,
           v.n AS setting, s.problem_id,
           any_value(v.accuracy) AS accuracy,
           avg(frontier_cost(p_cost, s.method, m.p, m.hq, m.hkv, m.d, coalesce(t.prompt_tokens, s.prompt_tokens, 0),
                             CASE WHEN v.gen_budget IS NULL THEN t.gen_tokens ELSE least(t.gen_tokens, v.gen_budget) END,
                             v.n, hw.i, coalesce(s.budget, 0), coalesce(s.block_size, 0), p_variant, s.model, v.n, m.arch)
               ORDER BY t.trial) AS cost,
           count(*) AS trials
    FROM sel s
    JOIN majority_votes v ON v.source = s.source AND v.problem_id = s.problem_id
    JOIN trials t ON t.source = s.source AND t.problem_id = s.problem_id
    JOIN mdl m ON m.model = s.model
    CROSS JOIN hw
    WHERE p_strategy = 'majority-budget' OR (p_strategy = 'majority' AND v.gen_budget IS NULL)
    GROUP BY s.source, s.model, s.method, s.budget, s.block_size, s.config, v.gen_budget, v.n, s.problem_id
),
lengths_only AS (   -- sources with per-sample correctness and no truncation scores
    SELECT source, max(gen_tokens) AS longest FROM trials
    WHERE correct IS NOT NULL AND task = p_task AND p_strategy = 'long-cot'
      AND source NOT IN (SELECT DISTINCT source FROM trial_budgets WHERE task = p_task)
    GROUP BY source
),
caps AS (   -- 1024, 2048, ... up to the first budget at or above the source's longest sample
    SELECT l.source, (2 ** k)::INTEGER AS cap
    FROM lengths_only l, range(10, 31) r(k)
    WHERE 2 ** (k - 1) < l.longest OR k = 10
),
lcl AS (
    SELECT s.model, s.method, s.budget, s.block_size, s.config, c.cap AS setting, s.problem_id,
           avg((t.correct AND t.gen_tokens <= c.cap)::DOUBLE ORDER BY t.trial) AS accuracy,
           avg(frontier_cost(p_cost, s.method, m.p, m.hq, m.hkv, m.d, coalesce(t.prompt_tokens, s.prompt_tokens, 0),
                             least(t.gen_tokens, c.cap), 1, hw.i, coalesce(s.budget, 0), coalesce(s.block_size, 0),
                             p_variant, s.model, c.cap, m.arch) ORDER BY t.trial) AS cost,
           count(*) AS trials
    FROM sel s
    JOIN caps c ON c.source = s.source
    JOIN trials t ON t.source = s.source AND t.problem_id = s.problem_id
    JOIN mdl m ON m.model = s.model
    CROSS JOIN hw
    GROUP BY s.source, s.model, s.method, s.budget, s.block_size, s.config, c.cap, s.problem_id
)
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials FROM maj
UNION ALL
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials FROM lcl;

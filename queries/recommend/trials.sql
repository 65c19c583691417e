-- The trials of $task under $strategy that kinetics-sql recommend prices, one row each (its configuration, setting
-- key and lengths): best-of-N's trials (setting: NULL, every N applies) and long CoT's traces cut at a generation
-- budget (setting: the budget); a prompt of unknown length (answer tables) counts 0 tokens, as frontier_points does.
-- queries/recommend/features.sql sums them once per task and strategy; every hardware
-- profile and VRAM limit is then priced from the sums (queries/recommend/points.sql), the explorer's many alike.
-- A trial without a prompt length (the answer tables) is priced without a prompt, as frontier/parts.sql does.
CREATE OR REPLACE TEMP TABLE recommend_trials AS
WITH bon_problems AS (
    SELECT source, task, problem_id, model, method, budget, block_size, prompt_tokens,
           model || ' ' || frontier_label(method, budget, block_size, source) AS config
    FROM problems
    WHERE $strategy = 'best-of-n' AND task = $task
      AND (len($models) = 0 OR list_contains($models, model))
      AND (len($methods) = 0 OR list_contains($methods, method))
),
lin AS (
    SELECT source, task, problem_id, any_value(prompt_tokens) AS prompt_tokens
    FROM (SELECT source, task, problem_id, prompt_tokens FROM problems WHERE prompt_tokens IS NOT NULL
          UNION ALL
          SELECT source, task, problem_id, prompt_tokens FROM trials WHERE prompt_tokens IS NOT NULL)
    WHERE $strategy = 'long-cot'
    GROUP BY ALL
)
SELECT b.model, b.method, b.budget, b.block_size, b.config, NULL::INTEGER AS setting, b.problem_id,
       coalesce(t.prompt_tokens, b.prompt_tokens, 0) AS lin, t.gen_tokens AS lout, NULL::INTEGER AS correct
FROM bon_problems b
JOIN trials t ON t.source = b.source AND t.task = b.task AND t.problem_id = b.problem_id
UNION ALL
SELECT tb.model, tb.method, tb.budget, tb.block_size,
       tb.model || ' ' || frontier_label(tb.method, tb.budget, tb.block_size, tb.source) AS config,
       tb.gen_budget AS setting, tb.problem_id,
       CASE WHEN l.prompt_tokens IS NULL
            THEN error('no prompt_tokens for source ' || tb.source || ', problem ' || tb.problem_id
                       || ': ingest its problems or trials rows')
            ELSE l.prompt_tokens END AS lin,
       tb.tokens_used AS lout, tb.correct::INTEGER AS correct
FROM trial_budgets tb
LEFT JOIN lin l ON l.source = tb.source AND l.task = tb.task AND l.problem_id = tb.problem_id
WHERE $strategy = 'long-cot' AND tb.task = $task
  AND (len($models) = 0 OR list_contains($models, tb.model))
  AND (len($methods) = 0 OR list_contains($methods, tb.method));

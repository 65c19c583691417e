-- Beside the recommended arm ($strategy/$config/$setting, accuracy $accuracy, band lower $lower) over
-- recommend_costed (costed.sql): kind 'runner-up', the other arms within the budget whose accuracy is inside the
-- band (>= $lower), in the budget's rank (most accurate first; with a target accuracy: cheapest first); kind
-- 'next step', the cheapest arm more accurate than the recommendation (what spending more buys), whatever the budget.
WITH others AS (
    SELECT * FROM recommend_costed
    WHERE NOT (strategy = $strategy AND config = $config AND setting = $setting)
),
runners AS (
    SELECT 'runner-up' AS kind, * EXCLUDE (within_budget, budget_rank) FROM others
    WHERE accuracy >= $lower - 1e-12 AND within_budget
    ORDER BY budget_rank
    LIMIT $runners
),
nxt AS (
    SELECT 'next step' AS kind, * EXCLUDE (within_budget, budget_rank) FROM others WHERE accuracy > $accuracy + 1e-12
    ORDER BY cost, accuracy DESC, config, setting
    LIMIT 1
)
SELECT * FROM runners UNION ALL SELECT * FROM nxt;

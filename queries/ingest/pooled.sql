-- requires: selection/labels
-- Configurations of source $source that other sources also hold (same task, model, method, budget, block
-- size and frontier label): their samples pool in one frontier configuration unless --source selects one.
WITH rows AS (
    SELECT 'problems' AS tbl, source, task, model, method, budget, block_size, local_window, run_index, answer_table
    FROM problems
    UNION ALL
    SELECT 'trial_budgets', source, task, model, method, budget, block_size, local_window, run_index, answer_table
    FROM trial_budgets
),
configs AS (
    SELECT DISTINCT tbl, source, task,
           model || ' ' || frontier_label(method, budget, block_size, local_window, run_index, answer_table) AS config
    FROM rows
)
SELECT n.tbl, n.task, n.config, list(DISTINCT o.source ORDER BY o.source) AS others
FROM configs n JOIN configs o ON o.tbl = n.tbl AND o.task = n.task AND o.config = n.config AND o.source <> n.source
WHERE n.source = $source
GROUP BY ALL
ORDER BY ALL;

-- Rows of trial_budgets for $task: figure 3c/d (long CoT) needs some.
SELECT count(*) AS n FROM trial_budgets WHERE task = $task;

-- requires: frontier/points_macro
-- Frontiers across tasks (created TEMP after frontier/points_macro.sql, whose frontier_points_datasheet it calls per
-- task): the datasheet cost models (flops, eflops); an offload-aware cost is planned per task (kinetics_sql.costmodel).
--
--   frontier_tasks(tasks, strategy, cost, hardware, models)
--       the deployable frontier macro-averaged over tasks: an arm (configuration and setting) that runs on
--       every task in `tasks` scores the mean over tasks of its mean accuracy on the task, at the mean over
--       tasks of its mean cost per problem (each task weighs the same, whatever its number of problems);
--       one row per breakpoint (accuracy strictly above every cheaper arm's), labelled with its arm, and the
--       arm's per-task accuracies.
--         SELECT * FROM frontier_tasks(['aime24', 'math500', 'gpqa-diamond'], 'majority', 'eflops', 'b200', []);
CREATE OR REPLACE TEMP MACRO frontier_tasks(p_tasks, p_strategy, p_cost, p_hardware, p_models) AS TABLE
WITH pts AS (
    SELECT t.task, p.*
    FROM (SELECT unnest(p_tasks::VARCHAR[]) AS task) t,
         LATERAL frontier_points_datasheet(t.task, p_strategy, p_cost, p_hardware, 'exact', p_models::VARCHAR[], []::VARCHAR[]) p
),
per_task AS (
    SELECT task, model, method, budget, block_size, config, setting,
           avg(accuracy ORDER BY problem_id) AS accuracy, avg(cost ORDER BY problem_id) AS cost
    FROM pts GROUP BY ALL
),
arms AS (
    SELECT model, method, budget, block_size, config, setting,
           avg(accuracy ORDER BY task) AS accuracy, avg(cost ORDER BY task) AS cost,
           string_agg(task || ' ' || printf('%.4f', accuracy), ', ' ORDER BY task) AS task_accuracy
    FROM per_task GROUP BY ALL
    HAVING count(*) = len(list_distinct(p_tasks::VARCHAR[]))
),
ranked AS (
    SELECT *, max(accuracy) OVER (ORDER BY cost, accuracy DESC, config, setting
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
    FROM arms
)
SELECT cost, cost / 1e12 AS cost_tera, accuracy, model, method, budget, block_size, config, setting, task_accuracy
FROM ranked WHERE accuracy > coalesce(before, -1.0)
ORDER BY cost;

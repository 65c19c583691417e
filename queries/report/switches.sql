-- requires: frontier/macros
-- Where each model becomes the optimal choice on the envelope across models (oracle frontiers):
-- the least cost and accuracy at which it first wins, under FLOPs and under eFLOPs ($flops_points and
-- $eflops_points: frontier_points tables of one selection, see ../frontier/materialize.sql).
WITH env AS (
    SELECT 'flops' AS cost_model, * FROM frontier_curve($flops_points, 'oracle', 'model', true, 0, 0)
    UNION ALL
    SELECT 'eflops' AS cost_model, * FROM frontier_curve($eflops_points, 'oracle', 'model', true, 0, 0)
)
SELECT e.cost_model, e.model, coalesce(m.params_kinetics, m.params) / 1e9 AS params_b,
       min(e.accuracy) AS first_accuracy, min(e.cost) / 1e12 AS first_cost_tera, count(*) AS breakpoints_won
FROM env e JOIN models m ON m.name = e.model
GROUP BY ALL
ORDER BY e.cost_model, params_b;

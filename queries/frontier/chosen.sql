-- requires: frontier/macros
-- FLOPs-chosen vs eFLOPs-chosen, per accuracy level (macros.sql: frontier_flops_vs_eflops).
SELECT accuracy, flops_choice, eflops_choice, flops_cost / 1e12 AS flops_tera,
       eflops_of_flops_choice / 1e12 AS eflops_of_flops_choice_tera, eflops_optimal / 1e12 AS eflops_optimal_tera, ratio
FROM frontier_flops_vs_eflops($flops_points, $eflops_points, $kind, $by)
ORDER BY accuracy;

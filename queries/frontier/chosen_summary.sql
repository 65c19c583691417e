-- requires: frontier/macros
-- How much more eFLOPs the FLOPs-chosen group costs: max and median ratio over accuracy levels.
SELECT count(*) AS levels, max(ratio) AS max_ratio, median(ratio) AS median_ratio,
       arg_max(accuracy, ratio) AS accuracy_at_max, arg_max(flops_choice, ratio) AS flops_choice_at_max,
       arg_max(eflops_choice, ratio) AS eflops_choice_at_max,
       avg((ratio > 1 + 1e-9)::INTEGER) AS share_of_levels_differing
FROM frontier_flops_vs_eflops($flops_points, $eflops_points, $kind, $by);

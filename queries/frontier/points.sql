-- requires: frontier/points_macro, pricing/costs
-- Every arm (configuration x setting) on every problem: accuracy and expected cost (points_macro.sql: {frontier_points}).
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost, frontier_tera($cost, cost) AS cost_tera,
       seconds, trials, gpus, gpus * seconds AS gpu_seconds
FROM {frontier_points}($task, $strategy, $cost, $hardware, $variant, $models, $methods, p_gpus := $gpus,
                       p_sources := $sources, p_batch := $batch, p_max_n := $max_n, p_pricing := $pricing)
ORDER BY config, setting, try_cast(problem_id AS INTEGER), problem_id;

-- requires: frontier/parts, pricing/costs, pricing/points
-- The seconds-based points (rflops, latency, dollars, dollars-throughput) of best-of-N, majority (its N samples run
-- as best-of-N's: decoded together until the longest ends) and long CoT for
-- frontier_points (queries/frontier/points_macro.sql; its columns but seconds and gpus) under the pricing context
-- p_pricing: pricing_points (queries/pricing/points.sql) in the cost model's regime, turned into it by pricing_cost.
-- frontier_offload_points_none: the same columns, no rows (the datasheet instances of frontier_points, which DuckDB
-- then binds in a fraction of the time).
CREATE OR REPLACE TEMP MACRO frontier_offload_points(p_task, p_strategy, p_cost, p_variant, p_models, p_methods,
                                                     p_sources, p_pricing) AS TABLE
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy,
       pricing_cost(p_cost, CASE WHEN p_cost = 'dollars-throughput' THEN throughput_seconds_sum
                                 ELSE latency_seconds_sum END, t0_sum, trials, p_pricing) AS cost,
       trials
FROM pricing_points(p_pricing, p_task, p_strategy, p_variant, p_models, p_methods, p_sources)
WHERE p_cost NOT IN ('flops', 'eflops') AND p_strategy IN ('best-of-n', 'long-cot', 'majority', 'majority-budget');

CREATE OR REPLACE TEMP MACRO frontier_offload_points_none(p_task, p_strategy, p_cost, p_variant, p_models, p_methods,
                                                          p_sources, p_pricing) AS TABLE
SELECT * FROM frontier_no_points();

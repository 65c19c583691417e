-- requires: pricing/context, pricing/costs, pricing/points
-- Every arm (configuration x setting) on every problem of $task under $strategy with its predicted seconds and
-- dollars in both regimes under the pricing context $pricing: pricing_points (queries/pricing/points.sql), the rows
-- frontier --cost latency | dollars | dollars-throughput prices, turned into each cost by pricing_cost; dollars only
-- where the hardware has a price ($has_price).
INSERT INTO recommend_points
SELECT $task, $strategy, model, method, budget, block_size, config, setting, problem_id, accuracy,
       pricing_cost('latency', latency_seconds_sum, t0_sum, trials, pricing_context($pricing)),
       pricing_cost('latency', throughput_seconds_sum, t0_sum, trials, pricing_context($pricing)),
       CASE WHEN $has_price
            THEN pricing_cost('dollars', latency_seconds_sum, t0_sum, trials, pricing_context($pricing)) END,
       CASE WHEN $has_price
            THEN pricing_cost('dollars-throughput', throughput_seconds_sum, t0_sum, trials, pricing_context($pricing))
       END,
       k_layers, layers, waves, wave_n, batch_problems, trials, lin_defaulted
FROM pricing_points(pricing_context($pricing), $task, $strategy, $variant, $models::VARCHAR[], $methods::VARCHAR[],
                    []::VARCHAR[]);

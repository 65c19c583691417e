-- The adaptive strategies' arms for kinetics-sql recommend (kinetics_sql.adaptive, table adaptive_votes): per
-- configuration (every batch and cap computed at ingest, labelled by frontier_adaptive_label), setting K (or window
-- w) and problem of $task, the estimated accuracy and the expected cost on the problem's own sample lengths under
-- the current offload_context and offload_plan (written for this task and strategy: one plan row per batch size):
--   latency_s     sum_i longest[i] * offload_cost('latency', batch of b sequences of sample i's length): each batch
--                 runs until its longest sample ends (= frontier --cost latency, queries/frontier/strategies.sql)
--   throughput_s  sum_i drawn[i] * throughput_seconds(b sequences of sample i's length) / b: the samples drawn,
--                 each at its share of the batch of problems that fits (queries/pricing/macros.sql)
INSERT INTO recommend_points
WITH ad AS (
    SELECT s.source, s.model, s.method, s.budget, s.block_size, s.prompt_tokens,
           s.config || frontier_adaptive_label(a.rule, a.batch, a.max_n) AS config,
           a.problem_id, a.setting, a.batch, a.accuracy, a.drawn, coalesce(a.longest, a.drawn) AS longest
    FROM frontier_bon_problems($task, $models, $methods, []::VARCHAR[]) s
    JOIN adaptive_votes a ON a.source = s.source AND a.problem_id = s.problem_id
    WHERE a.rule = CASE $strategy WHEN 'adaptive-majority' THEN 'margin' WHEN 'adaptive-esc' THEN 'esc' END
),
priced AS (
    SELECT a.model, a.method, a.budget, a.block_size, a.config, a.setting, a.problem_id, a.batch, a.accuracy, t.trial,
           a.longest[t.trial + 1]
           * offload_cost('latency', a.model, a.batch, a.method, coalesce(t.prompt_tokens, a.prompt_tokens, 0),
                          t.gen_tokens, coalesce(a.budget, 0), coalesce(a.block_size, 0), $variant) AS latency_s,
           a.drawn[t.trial + 1] / a.batch
           * throughput_seconds(a.model, a.batch, a.method, coalesce(t.prompt_tokens, a.prompt_tokens, 0),
                                t.gen_tokens, coalesce(a.budget, 0), coalesce(a.block_size, 0), $variant) AS throughput_s
    FROM ad a JOIN trials t ON t.source = a.source AND t.problem_id = a.problem_id
)
SELECT $task, $strategy, p.model, p.method, p.budget, p.block_size, p.config, p.setting, p.problem_id,
       any_value(p.accuracy), sum(p.latency_s ORDER BY p.trial), sum(p.throughput_s ORDER BY p.trial),
       any_value(op.k_layers), any_value(op.layers), any_value(op.waves), any_value(op.wave_n),
       any_value(batch_problems(op.waves, op.wave_n, op.resident_bytes, op.kv_bytes, cx.vram_bytes, cx.reserve_bytes)),
       count(*)
FROM priced p
JOIN offload_plan op ON op.model = p.model AND op.setting = p.batch AND op.strategy = $strategy
CROSS JOIN offload_context cx
GROUP BY p.model, p.method, p.budget, p.block_size, p.config, p.setting, p.problem_id;

-- requires: pricing/context, pricing/costs, pricing/plan, pricing/seconds, pricing/terms, selection/labels
-- requires: selection/trials
-- The adaptive strategies' arms for kinetics-sql recommend (kinetics_sql.adaptive, table adaptive_votes): per
-- configuration (every batch and cap computed at ingest, labelled by frontier_adaptive_label), setting K (or window
-- w) and problem of $task, the estimated accuracy and the expected cost on the problem's own sample lengths under the
-- pricing context $pricing (the plan: one row per batch size, queries/pricing/plan.sql):
--   latency_s     sum_i longest[i] * the seconds of sample i in a batch of b sequences: each batch runs until its
--                 longest sample ends (= frontier --cost latency, queries/frontier/strategies.sql)
--   throughput_s  sum_i drawn[i] / b * the same at the batch of problems that fits (pricing_batch_problems)
INSERT INTO recommend_points BY NAME
WITH plan AS (
    SELECT p.model, p.setting, p AS pl, pricing_batch_problems(p, pricing_context($pricing)) AS c
    FROM pricing_plan(pricing_context($pricing), $task, $strategy, []::VARCHAR[]) p
),
ad AS (   -- one row per sample and its two weights (lists unnested first: a join would copy them to every sample)
    SELECT s.source, s.model, s.method, s.budget, s.block_size, s.prompt_tokens,
           s.config || frontier_adaptive_label(a.rule, a.batch, a.max_n) AS config,
           a.problem_id, a.setting, a.batch, a.accuracy,
           unnest(a.drawn) AS drawn, unnest(coalesce(a.longest, a.drawn)) AS longest, unnest(range(len(a.drawn))) AS trial
    FROM frontier_bon_problems($task, $models, $methods, []::VARCHAR[]) s
    JOIN adaptive_votes a ON a.source = s.source AND a.problem_id = s.problem_id
    WHERE a.rule = CASE $strategy WHEN 'adaptive-majority' THEN 'margin' WHEN 'adaptive-esc' THEN 'esc' END
),
rows_ AS (
    SELECT a.*, t.gen_tokens AS lout, t.prompt_tokens IS NULL AND a.prompt_tokens IS NULL AS lin_defaulted,
           coalesce(t.prompt_tokens, a.prompt_tokens, pricing_default_prompt_tokens()) AS lin, pn.pl, pn.c
    FROM ad a
    JOIN trials t ON t.source = a.source AND t.problem_id = a.problem_id AND t.trial = a.trial
    LEFT JOIN plan pn ON pn.model = a.model AND pn.setting = a.batch
),
termed AS (
    SELECT r.*, pricing_trial_terms(r.method, r.lin, r.lout, r.budget, r.block_size, $variant, r.pl) AS terms FROM rows_ r
),
priced AS (
    SELECT x.*,
           x.longest
           * pricing_trial_cost('latency', x.method, x.lin, x.lout, x.block_size, x.terms, 1, x.pl,
                                pricing_context($pricing)) AS latency_s,
           x.drawn / x.batch
           * pricing_trial_cost('latency', x.method, x.lin, x.lout, x.block_size, x.terms, x.c, x.pl,
                                pricing_context($pricing)) AS throughput_s
    FROM termed x
)
SELECT $task AS task, $strategy AS strategy, model, method, budget, block_size, config, setting, problem_id,
       any_value(accuracy) AS accuracy, sum(latency_s ORDER BY trial) AS latency_s,
       sum(throughput_s ORDER BY trial) AS throughput_s,
       CASE WHEN $has_price THEN pricing_cost('dollars', sum(latency_s ORDER BY trial), 0.0, 1,
                                              pricing_context($pricing)) END AS usd_latency,
       CASE WHEN $has_price THEN pricing_cost('dollars-throughput', sum(throughput_s ORDER BY trial), 0.0, 1,
                                              pricing_context($pricing)) END AS usd_throughput,
       any_value(pl.k_layers) AS k_layers, any_value(pl.layers) AS layers, any_value(pl.waves) AS waves,
       any_value(pl.wave_n) AS wave_n, any_value(c) AS batch_problems, count(*) AS trials,
       count(*) FILTER (WHERE lin_defaulted) AS lin_defaulted
FROM priced
GROUP BY model, method, budget, block_size, config, setting, problem_id;

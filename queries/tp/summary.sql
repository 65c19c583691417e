-- One GPU against $gpus GPUs (tensor parallel) per model and over all models, from tp/arms.sql's rows
-- (registered as tp_arms_result): the deployable arms that cost fewer GPU-seconds on $gpus GPUs (so more
-- accuracy per dollar), their settings and best accuracy; and the deployable frontier in GPU-seconds over
-- every arm on 1 and on $gpus GPUs: how many of its breakpoints $gpus GPUs set, from which accuracy and cost.
WITH a AS (SELECT * FROM tp_arms_result),
scoped AS (SELECT model AS scope, * FROM a UNION ALL SELECT 'all models' AS scope, * FROM a),
both_ AS (
    SELECT scope, model, config, setting, accuracy, 1 AS on_gpus, gpu_seconds_1 AS gpu_seconds FROM scoped
    UNION ALL
    SELECT scope, model, config, setting, accuracy, gpus, gpu_seconds_t FROM scoped
),
envelope AS (   -- where the running max of accuracy in GPU-seconds order strictly rises (ties: one GPU first)
    SELECT * FROM (
        SELECT *, max(accuracy) OVER (PARTITION BY scope ORDER BY gpu_seconds, accuracy DESC, on_gpus, config, setting
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
        FROM both_)
    WHERE accuracy > coalesce(before, 0.0)
),
arms AS (
    SELECT scope, count(*) AS arms, count(*) FILTER (WHERE t_cheaper) AS arms_cheaper_on_t,
           min(setting) FILTER (WHERE t_cheaper) AS min_setting_cheaper,
           max(setting) FILTER (WHERE t_cheaper) AS max_setting_cheaper,
           max(accuracy) FILTER (WHERE t_cheaper) AS best_accuracy_cheaper,
           min(gpu_seconds_ratio) AS min_gpu_seconds_ratio, median(gpu_seconds_ratio) AS median_gpu_seconds_ratio
    FROM scoped GROUP BY scope
),
env AS (
    SELECT scope, count(*) AS envelope_breakpoints, count(*) FILTER (WHERE on_gpus > 1) AS envelope_breakpoints_t,
           min(accuracy) FILTER (WHERE on_gpus > 1) AS envelope_t_from_accuracy,
           min(gpu_seconds) FILTER (WHERE on_gpus > 1) AS envelope_t_from_gpu_seconds,
           arg_min(config || ' @' || setting::VARCHAR, gpu_seconds) FILTER (WHERE on_gpus > 1) AS envelope_t_first_arm
    FROM envelope GROUP BY scope
)
SELECT arms.scope AS model, $gpus::INTEGER AS gpus, arms.arms, arms.arms_cheaper_on_t, arms.min_setting_cheaper,
       arms.max_setting_cheaper, arms.best_accuracy_cheaper, arms.min_gpu_seconds_ratio, arms.median_gpu_seconds_ratio,
       env.envelope_breakpoints, env.envelope_breakpoints_t, env.envelope_t_from_accuracy,
       env.envelope_t_from_gpu_seconds, env.envelope_t_first_arm
FROM arms JOIN env USING (scope)
ORDER BY arms.scope = 'all models', arms.scope;

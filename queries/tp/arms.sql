-- Deployable arms (configuration x setting; accuracy and cost averaged over problems) on one GPU and on
-- $gpus GPUs in tensor parallel, side by side in GPU-seconds per problem: the same GPU either way, so
-- fewer GPU-seconds is more accuracy per dollar at any price per GPU-hour.
-- $one, $many: the frontier points tables (frontier/materialize.sql) of one selection with gpus 1 and $gpus.
WITH one AS (
    SELECT model, method, budget, block_size, config, setting, avg(accuracy ORDER BY problem_id) AS accuracy,
           avg(seconds ORDER BY problem_id) AS seconds
    FROM query_table($one) GROUP BY ALL
),
many AS (
    SELECT config, setting, avg(seconds ORDER BY problem_id) AS seconds FROM query_table($many) GROUP BY ALL
)
SELECT o.model, o.method, o.budget, o.block_size, o.config, o.setting, o.accuracy,
       o.seconds AS seconds_1, m.seconds AS seconds_t, $gpus::INTEGER AS gpus,
       o.seconds AS gpu_seconds_1, $gpus * m.seconds AS gpu_seconds_t,
       $gpus * m.seconds / o.seconds AS gpu_seconds_ratio,
       $gpus * m.seconds < o.seconds AS t_cheaper
FROM one o JOIN many m ON m.config = o.config AND m.setting = o.setting
ORDER BY o.model, o.config, o.setting;

-- recommend_trials (queries/recommend/trials.sql) summed per configuration, setting, problem and prompt length into
-- what a trial's predicted seconds are made of (batch_seconds_sums in queries/pricing/macros.sql): compute FLOPs of
-- one sequence; attention FLOPs per unit of d (offloaded layers run theirs on the CPU); KV reads of a batch of 0
-- and their increase per sequence (affine in the batch but for block top-k, which points.sql reads per trial).
-- The model's shapes on $gpus GPUs are the offload plan's (kinetics_sql.costmodel.write_plan). Best-of-N: one row
-- per N (1, 2, 4, ... up to the samples drawn) with its unbiased coverage; long CoT: per generation budget, the
-- correct traces counted.
CREATE OR REPLACE TEMP TABLE recommend_features AS
WITH shape AS (SELECT DISTINCT model, params, hq, hkv, d_dim, gpus FROM offload_plan),
sums AS (
    SELECT x.model, x.method, x.budget, x.block_size, x.config, x.setting, x.problem_id, x.lin,
           count(*) AS trials, sum(x.correct) AS correct, sum(x.lout::DOUBLE) AS s_lout,
           sum(compute_flops(x.method, s.params, s.hq, s.d_dim, x.lin, x.lout, 1, budget := coalesce(x.budget, 0),
                             block_size := coalesce(x.block_size, 0), variant := $variant)) AS s_compute,
           sum(compute_flops(x.method, 0, s.hq, 1.0, x.lin, x.lout, 1, budget := coalesce(x.budget, 0),
                             block_size := coalesce(x.block_size, 0), variant := $variant)) AS s_attention_per_d,
           sum(kv_reads(x.method, tp_kv_heads(s.hkv, s.gpus), s.d_dim, x.lin, x.lout, 0, budget := coalesce(x.budget, 0),
                        block_size := coalesce(x.block_size, 0), variant := $variant)) AS s_kv0,
           sum(kv_reads(x.method, tp_kv_heads(s.hkv, s.gpus), s.d_dim, x.lin, x.lout, 1, budget := coalesce(x.budget, 0),
                        block_size := coalesce(x.block_size, 0), variant := $variant)
               - kv_reads(x.method, tp_kv_heads(s.hkv, s.gpus), s.d_dim, x.lin, x.lout, 0,
                          budget := coalesce(x.budget, 0), block_size := coalesce(x.block_size, 0),
                          variant := $variant)) AS s_kv_per_seq
    FROM recommend_trials x JOIN shape s ON s.model = x.model
    GROUP BY ALL
),
coverage AS (   -- best-of-N: coverage once per configuration, problem and N (not per trial)
    SELECT config, problem_id, setting, frontier_coverage(n_samples, n_correct, setting) AS accuracy
    FROM (SELECT config, problem_id, n_samples, n_correct, (2 ** k)::INTEGER AS setting
          FROM (SELECT model || ' ' || frontier_label(method, budget, block_size, source) AS config, problem_id,
                       sum(n_samples)::INTEGER AS n_samples, sum(n_correct)::INTEGER AS n_correct
                FROM problems
                WHERE $strategy = 'best-of-n' AND task = $task
                  AND (len($models) = 0 OR list_contains($models, model))
                  AND (len($methods) = 0 OR list_contains($methods, method))
                GROUP BY ALL), range(0, 31) r(k)
          WHERE 2 ** k <= n_samples)
)
SELECT s.* REPLACE (c.setting AS setting), c.accuracy
FROM sums s JOIN coverage c ON c.config = s.config AND c.problem_id = s.problem_id
WHERE s.setting IS NULL
UNION ALL
SELECT s.*, NULL::DOUBLE AS accuracy FROM sums s WHERE s.setting IS NOT NULL;

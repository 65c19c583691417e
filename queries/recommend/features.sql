-- recommend_trials (queries/recommend/trials.sql) summed per configuration, setting, problem and prompt length into
-- what a trial's predicted seconds are made of (batch_seconds_sums in queries/pricing/macros.sql): compute FLOPs of
-- one sequence; attention FLOPs per unit of d (offloaded layers run theirs on the CPU); KV reads of a batch of 0
-- and their increase per sequence, affine in the batch once block top-k's block-summary reads are taken out
-- (queries/recommend/block_kv.sql sums those per batch size).
-- The model's shapes on $gpus GPUs are the offload plan's (kinetics_sql.costmodel.write_plan). Best-of-N: one row
-- per N (1, 2, 4, ... up to the samples drawn) with its unbiased coverage; long CoT: per generation budget, the
-- correct traces counted.
CREATE OR REPLACE TEMP TABLE recommend_features AS
WITH x AS (   -- each trial with what its seconds are made of (trial_seconds_terms, queries/pricing/macros.sql)
    SELECT t.*, trial_seconds_terms(t.method, s.params, s.hq, tp_kv_heads(s.hkv, s.gpus), s.d_dim, t.lin, t.lout,
                                    t.budget, t.block_size, $variant) AS terms
    FROM recommend_trials t
    JOIN (SELECT DISTINCT model, params, hq, hkv, d_dim, gpus FROM offload_plan) s ON s.model = t.model
),
sums AS (
    SELECT model, method, budget, block_size, config, setting, problem_id, lin,
           count(*) AS trials, sum(correct) AS correct, sum(lout::DOUBLE) AS s_lout,
           sum(terms.compute) AS s_compute, sum(terms.attention_per_d) AS s_attention_per_d,
           sum(terms.kv0) AS s_kv0, sum(terms.kv_per_seq) AS s_kv_per_seq
    FROM x
    GROUP BY model, method, budget, block_size, config, setting, problem_id, lin
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

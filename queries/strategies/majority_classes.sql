-- Majority vote (self-consistency) inputs per problem of one source: the answer classes that the exact DP
-- (kinetics_sql/majority.py) turns into majority_votes. Parameter: $source.
--
-- Each sample votes for its answer (trials.answer, normalised as its source did) if it finished within the
-- per-sample cap gen_budget (NULL: no cap), else it abstains. Per problem and cap: m samples, g gold votes,
-- u non-voters and `others`, the vote count of every other answer.
WITH tr AS (
    SELECT source, task, model, method, budget, block_size, problem_id, trial, gen_tokens, answer, correct
    FROM trials WHERE source = $source AND correct IS NOT NULL
),
caps AS (   -- per-sample caps below the longest sample (a cap above every sample is no cap)
    SELECT NULL::INTEGER AS gen_budget
    UNION ALL
    SELECT c FROM (VALUES (2048), (4096), (8192), (16384), (32768)) v(c) WHERE c < (SELECT max(gen_tokens) FROM tr)
),
votes AS (   -- class 'gold', 'none' (no vote) or the answer
    SELECT tr.*, caps.gen_budget,
           CASE WHEN NOT (caps.gen_budget IS NULL OR tr.gen_tokens <= caps.gen_budget) OR answer IS NULL THEN NULL
                WHEN correct THEN NULL ELSE answer END AS other,
           (caps.gen_budget IS NULL OR tr.gen_tokens <= caps.gen_budget) AND answer IS NOT NULL AND correct AS gold,
           NOT (caps.gen_budget IS NULL OR tr.gen_tokens <= caps.gen_budget) OR answer IS NULL AS abstain
    FROM tr CROSS JOIN caps
),
per_answer AS (
    SELECT source, task, model, method, budget, block_size, problem_id, gen_budget, other, count(*) AS c
    FROM votes WHERE other IS NOT NULL GROUP BY ALL
)
SELECT s.source, s.task, s.model, s.method, s.budget, s.block_size, s.problem_id, s.gen_budget, s.m, s.g, s.u,
       coalesce(o.others, []::BIGINT[]) AS others
FROM (SELECT source, task, model, method, budget, block_size, problem_id, gen_budget,
             count(*) AS m, count(*) FILTER (WHERE gold) AS g, count(*) FILTER (WHERE abstain) AS u
      FROM votes GROUP BY ALL) s
LEFT JOIN (SELECT problem_id, gen_budget, list(c ORDER BY c DESC) AS others FROM per_answer GROUP BY ALL) o
  ON o.problem_id = s.problem_id AND o.gen_budget IS NOT DISTINCT FROM s.gen_budget
ORDER BY s.problem_id, s.gen_budget NULLS FIRST;

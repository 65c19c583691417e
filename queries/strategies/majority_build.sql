-- Majority vote (self-consistency) accuracy per problem for one source: fills majority_votes.
-- Parameters: $source, $replicates (random orders per problem), $seed.
--
-- N samples are drawn without replacement from the problem's samples; each sample votes for its
-- answer (trials.answer, normalised as its source did) if it finished within the per-sample cap
-- gen_budget (NULL: no cap), else it abstains; the plurality answer wins, ties broken uniformly
-- at random; no votes at all is wrong. accuracy = P(the winner is the gold answer).
--
-- Exact where a closed form exists (replicates = 0, accuracy_se = 0):
--   N = 1: g / M (g gold votes among M samples);   N = M: 1 if g beats every other answer's count,
--   1 / (1 + t) if it ties t others, else 0;      g = 0: 0;
--   gold the only answer: 1 - C(M - g, N) / C(M, N) (at least one gold vote).
-- Otherwise an unbiased estimate: R random orders of the samples (hash of the hash of seed, replicate,
-- trial, problem: DuckDB's multi-argument hash alone orders small integers far from uniformly);
-- the first N samples of a uniformly random order are a uniformly random N-subset, so the mean over
-- orders of the Rao-Blackwellised score [gold > all others] + [gold ties t others] / (1 + t) is
-- unbiased for the accuracy; accuracy_se = sample standard deviation / sqrt(R).
INSERT INTO majority_votes
WITH tr AS (
    SELECT source, task, model, method, budget, block_size, problem_id, trial, gen_tokens, answer, correct
    FROM trials WHERE source = $source AND correct IS NOT NULL
),
caps AS (   -- per-sample caps below the longest sample (a cap above every sample is no cap)
    SELECT NULL::INTEGER AS gen_budget
    UNION ALL
    SELECT c FROM (VALUES (2048), (4096), (8192), (16384), (32768)) v(c) WHERE c < (SELECT max(gen_tokens) FROM tr)
),
samples AS (
    SELECT tr.*, caps.gen_budget,
           caps.gen_budget IS NULL OR tr.gen_tokens <= caps.gen_budget AS finished
    FROM tr CROSS JOIN caps
),
votes AS (   -- class 0: gold, -1: no vote, 1..k: the other answers
    SELECT *, CASE WHEN NOT finished OR answer IS NULL THEN -1
                   WHEN correct THEN 0
                   ELSE dense_rank() OVER (PARTITION BY problem_id, gen_budget, (finished AND answer IS NOT NULL AND NOT correct)
                                           ORDER BY answer) END AS cls
    FROM samples
),
classes AS (
    SELECT problem_id, gen_budget, cls, count(*) AS c FROM votes WHERE cls > 0 GROUP BY ALL
),
others AS (
    SELECT problem_id, gen_budget, max(c) AS cmax, count(*) AS k, list(c) AS cs FROM classes GROUP BY ALL
),
stats AS (
    SELECT s.*, coalesce(o.cmax, 0) AS cmax, coalesce(len(list_filter(o.cs, lambda x: x = o.cmax)), 0) AS tmax,
           coalesce(o.k, 0) AS k
    FROM (SELECT source, task, model, method, budget, block_size, problem_id, gen_budget,
                 count(*) AS m, count(*) FILTER (WHERE cls = 0) AS g
          FROM votes GROUP BY ALL) s
    LEFT JOIN others o ON o.problem_id = s.problem_id AND o.gen_budget IS NOT DISTINCT FROM s.gen_budget
),
settings AS (   -- N = 1, 2, 4, ... below M, and M
    SELECT s.*, n FROM stats s, (SELECT (2 ** k)::INTEGER AS n FROM range(0, 31) r(k)) p WHERE n < s.m
    UNION ALL
    SELECT s.*, s.m AS n FROM stats s
),
exact AS (
    SELECT *, CASE
        WHEN g = 0 THEN 0.0
        WHEN n = 1 THEN g / m
        WHEN n = m THEN CASE WHEN g > cmax THEN 1.0 WHEN g = cmax THEN 1.0 / (1 + tmax) ELSE 0.0 END
        WHEN k = 0 THEN 1.0 - list_product(list_transform(range(0, n), lambda j: (m - g - j)::DOUBLE / (m - j)::DOUBLE))
    END AS accuracy
    FROM settings
),
mc_pairs AS (SELECT DISTINCT problem_id, gen_budget FROM exact WHERE accuracy IS NULL),
orders AS (
    SELECT v.problem_id, v.gen_budget, r.rep,
           list(v.cls ORDER BY hash(hash($seed, r.rep, v.trial, v.problem_id)), v.trial) AS seq
    FROM votes v
    JOIN mc_pairs p ON p.problem_id = v.problem_id AND p.gen_budget IS NOT DISTINCT FROM v.gen_budget
    CROSS JOIN range(0, $replicates) r(rep)
    GROUP BY ALL
),
draws AS (
    SELECT e.problem_id, e.gen_budget, e.n, o.rep, list_slice(o.seq, 1, e.n) AS s
    FROM exact e
    JOIN orders o ON o.problem_id = e.problem_id AND o.gen_budget IS NOT DISTINCT FROM e.gen_budget
    WHERE e.accuracy IS NULL
),
scored AS (
    SELECT problem_id, gen_budget, n, rep, a,
           CASE WHEN a = 0 THEN 0.0
                WHEN a > coalesce(list_max(h), 0) THEN 1.0
                WHEN a = list_max(h) THEN 1.0 / (1 + len(list_filter(h, lambda x: x = a)))
                ELSE 0.0 END AS score
    FROM (SELECT *, len(list_filter(s, lambda x: x = 0)) AS a,
                 map_values(list_aggregate(list_filter(s, lambda x: x > 0), 'histogram')) AS h
          FROM draws)
),
estimates AS (
    SELECT problem_id, gen_budget, n, avg(score) AS accuracy,
           coalesce(stddev_samp(score), 0.0) / sqrt(count(*)) AS accuracy_se, count(*)::INTEGER AS replicates
    FROM scored GROUP BY ALL
)
SELECT e.source, e.task, e.model, e.method, e.budget, e.block_size, e.problem_id, e.n, e.gen_budget,
       coalesce(e.accuracy, x.accuracy) AS accuracy,
       CASE WHEN e.accuracy IS NULL THEN x.accuracy_se ELSE 0.0 END AS accuracy_se,
       CASE WHEN e.accuracy IS NULL THEN x.replicates ELSE 0 END AS replicates
FROM exact e
LEFT JOIN estimates x ON x.problem_id = e.problem_id AND x.gen_budget IS NOT DISTINCT FROM e.gen_budget AND x.n = e.n;

-- requires: macros/001_cost
-- Recompute a source's published costs from its ingested token counts with our macros
-- (variant 'published', the Kinetics parameter counts, i = 562.5) and return every problem
-- whose published total disagrees by more than $tolerance relative.
WITH recomputed AS (
    SELECT pc.problem_id, pc.n, pc.total_cost,
           avg(eflops(t.method, coalesce(m.params_kinetics, m.params), m.hq, m.hkv, m.head_dim * m.layers,
                      t.prompt_tokens, t.gen_tokens, pc.n, 562.5,
                      budget := coalesce(t.budget, 0), block_size := coalesce(t.block_size, 0),
                      variant := 'published')) / 1e12 AS ours
    FROM published_costs pc
    JOIN trials t USING (source, problem_id)
    JOIN models m ON m.name = t.model
    WHERE pc.source = $source
    GROUP BY ALL
)
SELECT problem_id,
       max(abs(ours - total_cost) / abs(total_cost)) AS max_rel_err,
       arg_max(n, abs(ours - total_cost) / abs(total_cost)) AS worst_n,
       arg_max(total_cost, abs(ours - total_cost) / abs(total_cost)) AS published,
       arg_max(ours, abs(ours - total_cost) / abs(total_cost)) AS recomputed
FROM recomputed
GROUP BY problem_id
HAVING max(abs(ours - total_cost) / abs(total_cost)) > $tolerance
ORDER BY try_cast(problem_id AS INTEGER), problem_id;

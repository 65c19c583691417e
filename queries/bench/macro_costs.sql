-- requires: macros/001_cost
-- bench macros: expected eFLOPs (published variant, i = 562.5) of every (configuration, problem, N) of the
-- published tables, averaged over each problem's trial lengths, through the eflops macro.
SELECT pc.source, pc.problem_id, pc.n,
       avg(eflops(t.method, coalesce(m.params_kinetics, m.params), m.hq, m.hkv, m.head_dim * m.layers,
                  t.prompt_tokens, t.gen_tokens, pc.n, 562.5, budget := coalesce(t.budget, 0),
                  block_size := coalesce(t.block_size, 0), variant := 'published')) AS cost
FROM published_costs pc JOIN trials t USING (source, problem_id) JOIN models m ON m.name = t.model
GROUP BY ALL;

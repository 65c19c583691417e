-- requires: macros/003_catalog
-- Figures 4b/4c: iso-cost lines over model size x generation length (dense attention, one trial,
-- $lin prompt tokens, i of $hardware): for each level, the generation length at which each model's
-- cost reaches it (first point of a 16-token grid at or above the level).
WITH grid AS (
    SELECT q.name AS model, coalesce(q.params_kinetics, q.params) / 1e9 AS params_b, g.lout,
           model_flops(q.name, 'dense', $lin, g.lout, 1) AS flops,
           model_eflops(q.name, $hardware, 'dense', $lin, g.lout, 1) AS eflops
    FROM models q, range(16, $max_lout + 1, 16) g(lout)   -- (the macros alias models as m)
    WHERE q.name LIKE 'Qwen3-%'
),
costs AS (
    SELECT model, params_b, lout, 'FLOPs' AS cost_model, flops AS cost FROM grid
    UNION ALL
    SELECT model, params_b, lout, 'eFLOPs' AS cost_model, eflops AS cost FROM grid
),
levels AS (SELECT unnest($levels_tera::DOUBLE[]) * 1e12 AS level)
SELECT c.cost_model, l.level / 1e12 AS level_tera, c.model, c.params_b, min(c.lout) AS lout
FROM costs c JOIN levels l ON c.cost >= l.level
GROUP BY ALL
ORDER BY c.cost_model, level_tera, c.params_b;

-- bench macros: the inputs of the row-by-row Python baseline, one row per trial.
SELECT t.source, t.problem_id, t.method, coalesce(m.params_kinetics, m.params), m.hq, m.hkv,
       m.head_dim * m.layers, t.prompt_tokens, t.gen_tokens, t.budget, t.block_size
FROM trials t JOIN models m ON m.name = t.model;

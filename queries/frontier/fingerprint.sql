-- What the frontier points of a warehouse depend on: a content hash of every input table (a few ms).
SELECT (SELECT sum(hash(source, task, model, method, budget, block_size, problem_id, n_samples, n_correct,
                        prompt_tokens)::HUGEINT) FROM problems),
       (SELECT sum(hash(source, task, problem_id, trial, prompt_tokens, gen_tokens)::HUGEINT) FROM trials),
       (SELECT sum(hash(source, task, model, method, budget, block_size, problem_id, trial, gen_budget,
                        tokens_used, correct)::HUGEINT) FROM trial_budgets),
       (SELECT sum(hash(name, params, params_kinetics, hq, hkv, head_dim, layers)::HUGEINT) FROM models),
       (SELECT sum(hash(name, peak_flops, hbm_bytes_per_s)::HUGEINT) FROM hardware),
       (SELECT count(*) FROM problems) + (SELECT count(*) FROM trials) + (SELECT count(*) FROM trial_budgets);

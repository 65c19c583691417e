-- A source's samples per problem, in trial order, for kinetics_sql.adaptive.build (adaptive_votes): the answer
-- (NULL: none), whether it is gold, and the generated tokens.
SELECT source, task, model, method, budget, block_size, problem_id,
       list(trial ORDER BY trial) AS trials, list(answer ORDER BY trial) AS answers,
       list(correct ORDER BY trial) AS correct, list(gen_tokens ORDER BY trial) AS lengths
FROM trials
WHERE source = $source AND correct IS NOT NULL
GROUP BY source, task, model, method, budget, block_size, problem_id
ORDER BY try_cast(any_value(problem_id) AS INTEGER), any_value(problem_id);

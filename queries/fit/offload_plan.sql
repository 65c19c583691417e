-- Fill offload_plan for $task and $strategy from offload_context (see fit/offload.sql), over the sources
-- matching the LIKE patterns $sources (all when empty), as the frontier's selection.
-- best-of-n: settings N = 1, 2, 4, ... 1024 and every problem's sample count (N = all); majority, majority-budget: the N of majority_votes (all samples too);
-- adaptive-majority, adaptive-esc: the batch sizes of adaptive_votes (the batch is what runs at once);
-- the KV holds the longest prompt plus N times the longest trace of that model on the task (majority-budget's
-- capped samples too: the plan is per N). long-cot: settings are the generation budgets (trial_budgets', and the
-- caps of answer tables cut by length), n = 1.
INSERT INTO offload_plan
WITH cx AS (SELECT * FROM offload_context),
lens AS (
    SELECT t.model, max(coalesce(t.prompt_tokens, p.prompt_tokens, 0)) AS lin_max, max(t.gen_tokens) AS gen_max
    FROM trials t
    LEFT JOIN problems p ON p.source = t.source AND p.task = t.task AND p.problem_id = t.problem_id
    WHERE t.task = $task AND (len($sources::VARCHAR[]) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: t.source LIKE s)) > 0)
    GROUP BY t.model
),
lc_lin AS (
    SELECT model, max(prompt_tokens) AS lin_max FROM problems
    WHERE task = $task AND (len($sources::VARCHAR[]) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: source LIKE s)) > 0)
    GROUP BY model
),
settings AS (
    SELECT 'best-of-n' AS strategy, model, (2 ** e)::INTEGER AS setting, (2 ** e)::INTEGER AS n,
           lin_max::DOUBLE AS lin_max, gen_max::DOUBLE AS gen_len
    FROM lens, range(0, 11) r(e)
    WHERE $strategy = 'best-of-n'
    UNION   -- N = all samples (frontier_bon_accuracy's n_all, the fewest of a configuration's problems): every
            -- problem's count in one source, and pooled over the sources of one model and method (a superset)
    SELECT DISTINCT 'best-of-n', l.model, p.n_samples, p.n_samples, l.lin_max::DOUBLE, l.gen_max::DOUBLE
    FROM lens l
    JOIN (SELECT model, n_samples::INTEGER AS n_samples FROM problems
          WHERE task = $task AND (len($sources::VARCHAR[]) = 0
                                  OR len(list_filter($sources::VARCHAR[], lambda s: source LIKE s)) > 0)
          UNION
          SELECT model, sum(n_samples)::INTEGER FROM problems
          WHERE task = $task AND (len($sources::VARCHAR[]) = 0
                                  OR len(list_filter($sources::VARCHAR[], lambda s: source LIKE s)) > 0)
          GROUP BY model, method, budget, block_size, problem_id) p ON p.model = l.model
    WHERE $strategy = 'best-of-n'
    UNION ALL
    SELECT $strategy::VARCHAR, l.model, v.n, v.n, l.lin_max::DOUBLE, l.gen_max::DOUBLE
    FROM lens l
    JOIN (SELECT DISTINCT p.model, v.n
          FROM majority_votes v JOIN problems p ON p.source = v.source AND p.problem_id = v.problem_id
          WHERE p.task = $task
            AND (len($sources::VARCHAR[]) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: p.source LIKE s)) > 0)) v
      ON v.model = l.model
    WHERE $strategy IN ('majority', 'majority-budget')
    UNION ALL   -- the adaptive strategies: a batch of b samples at a time (setting_value := batch in strategies.sql)
    SELECT $strategy::VARCHAR, l.model, v.batch, v.batch, l.lin_max::DOUBLE, l.gen_max::DOUBLE
    FROM lens l
    JOIN (SELECT DISTINCT p.model, v.batch
          FROM adaptive_votes v JOIN problems p ON p.source = v.source AND p.problem_id = v.problem_id
          WHERE p.task = $task
            AND (len($sources::VARCHAR[]) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: p.source LIKE s)) > 0)) v
      ON v.model = l.model
    WHERE $strategy IN ('adaptive-majority', 'adaptive-esc')
    UNION ALL
    SELECT DISTINCT 'long-cot', tb.model, tb.gen_budget, 1, coalesce(l.lin_max, 0)::DOUBLE, tb.gen_budget::DOUBLE
    FROM trial_budgets tb LEFT JOIN lc_lin l ON l.model = tb.model
    WHERE $strategy = 'long-cot' AND tb.task = $task AND (len($sources::VARCHAR[]) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: tb.source LIKE s)) > 0)
    UNION   -- answer tables cut by length (frontier_length_caps); a budget also in trial_budgets is the same row
    SELECT 'long-cot', c.model, c.cap, 1, coalesce(l.lin_max, 0)::DOUBLE, c.cap::DOUBLE
    FROM frontier_length_caps($task) c LEFT JOIN lc_lin l ON l.model = c.model
    WHERE $strategy = 'long-cot' AND (len($sources::VARCHAR[]) = 0 OR len(list_filter($sources::VARCHAR[], lambda s: c.source LIKE s)) > 0)
),
shapes AS (   -- bytes on each of cx.gpus GPUs (tensor parallel: 1/T of the sharded weights, its KV heads)
    SELECT s.*, m.params AS p, m.hq, m.hkv, (m.head_dim * m.layers)::DOUBLE AS d, m.layers,
           2.0 * tp_params(m.params, tp_replicated_params(m.layers, m.hidden, m.head_dim, m.qk_norm), g.gpus) AS weight_bytes,
           2.0 * m.layer_params / g.gpus AS layer_bytes,
           m.kv_bytes_per_token::DOUBLE * (tp_kv_heads(m.hkv, g.gpus) / m.hkv) AS kv_tok,
           CASE WHEN m.tied_embeddings THEN 0.0 ELSE 2.0 * m.vocab * m.hidden / g.gpus END AS embed_bytes,
           m.hidden::DOUBLE AS hidden, m.vocab::DOUBLE AS vocab, g.gpus
    FROM settings s JOIN models m ON m.name = s.model
    CROSS JOIN (SELECT coalesce(gpus, 1.0) AS gpus FROM offload_context) g
    WHERE tp_check(m.hq, m.hkv, g.gpus)
),
waves AS (   -- the fewest sequential waves whose KV fits beside the non-layer weights
    SELECT sh.*, w.waves, ceil(sh.n / w.waves)::INTEGER AS wave_n,
           (sh.lin_max + ceil(sh.n / w.waves) * sh.gen_len) * sh.kv_tok AS kv_bytes,
           cx.vram_bytes IS NULL
           OR sh.weight_bytes - sh.layers * sh.layer_bytes + (sh.lin_max + ceil(sh.n / w.waves) * sh.gen_len) * sh.kv_tok
              + cx.reserve_bytes <= cx.vram_bytes AS fits
    FROM shapes sh CROSS JOIN cx, (SELECT (2 ** e)::INTEGER AS waves FROM range(0, 11) r(e)) w
    WHERE w.waves <= sh.n
),
pick AS (
    SELECT strategy, model, setting,
           coalesce(min(waves) FILTER (WHERE fits), max(waves)) AS waves
    FROM waves GROUP BY ALL
),
planned AS (
    SELECT w.*, cx.vram_bytes AS vram, cx.reserve_bytes AS reserve,
           CASE WHEN cx.vram_bytes IS NULL THEN 0
                ELSE least(w.layers, greatest(0, ceil((w.weight_bytes + w.kv_bytes + cx.reserve_bytes - cx.vram_bytes)
                                                      / w.layer_bytes)))::INTEGER END AS k
    FROM waves w JOIN pick USING (strategy, model, setting, waves) CROSS JOIN cx
)
SELECT strategy, model, setting, p AS params, hq, hkv, d AS d_dim, layers, n AS n_trials, waves, wave_n, k AS k_layers,
       lin_max + wave_n * gen_len AS ctx_tokens, weight_bytes, layer_bytes, kv_bytes,
       weight_bytes - k * layer_bytes AS resident_bytes,
       greatest(0.0, weight_bytes - k * layer_bytes - embed_bytes) AS read_bytes, k * layer_bytes AS offload_bytes,
       weight_bytes - k * layer_bytes + kv_bytes + reserve AS vram_needed, fits, hidden, vocab, gpus
FROM planned;

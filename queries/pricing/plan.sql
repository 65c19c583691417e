-- requires: macros/040_tensor_parallel, pricing/context, pricing/seconds, pricing/terms, selection/trials
-- The VRAM plan: per model and setting (N of best-of-N, or a generation budget), the smallest offload depth k that
-- fits: bf16 weights - k layers + KV(prompt + n * generation length) + reserve <= VRAM. When the KV of n trials does
-- not fit beside the non-layer weights even with every layer offloaded, the trials run in `waves` sequential batches
-- of wave_n (the fewest that fit). Bytes are one GPU's of cx.gpus (tensor parallel).

-- A model (a `models` row) on each of `gpus` GPUs: 1/T of the sharded weights, its KV heads. params: the parameters a
-- token computes with (MoE: the active ones; dense: every one); weight_bytes: every parameter's (what VRAM holds).
-- MoE: experts, experts_per_token and expert_bytes (one routed expert of every MoE layer, bf16, one GPU's) let a
-- decode step read only the experts its batch touches (pricing_read_bytes); 0 for a dense model. Attention: d_dim is
-- head_dim x the full-attention layers; arch holds what windowed and SSM layers add (queries/macros/010_arch.sql:
-- d_window = head_dim x window layers over their last `win` + `sinks` tokens, SSM state of each SSM layer, one GPU's
-- share), all 0 for a dense transformer.
CREATE OR REPLACE TEMP MACRO pricing_shape(m, gpus) AS
    CASE WHEN tp_check(m.hq, m.hkv, gpus) THEN
        {'model': m.name, 'params': coalesce(m.active_params, m.params)::DOUBLE, 'hq': m.hq::INTEGER,
         'hkv': m.hkv::INTEGER,
         'experts': coalesce(m.experts, 0)::DOUBLE, 'experts_per_token': coalesce(m.experts_per_token, 0)::DOUBLE,
         'expert_bytes': 2.0 * coalesce(m.moe_layers, 0)::DOUBLE * coalesce(m.expert_params, 0)::DOUBLE / gpus,
         'moe_layers': coalesce(m.moe_layers, 0)::DOUBLE,
         'd_dim': (m.head_dim * coalesce(m.attention_layers, m.layers))::DOUBLE, 'layers': m.layers::INTEGER,
         'arch': {'d_window': (m.head_dim * coalesce(m.window_layers, 0))::DOUBLE,
                  'win': coalesce(m.sliding_window, 0)::DOUBLE, 'sinks': coalesce(m.sink_tokens, 0)::DOUBLE,
                  'ssm_layers': coalesce(m.ssm_layers, 0)::DOUBLE,
                  'ssm_state': coalesce(m.ssm_state_elements, 0)::DOUBLE / gpus},
         'weight_bytes': 2.0 * tp_params(m.params, tp_replicated_params(m.layers, m.hidden, m.head_dim, m.qk_norm), gpus),
         'layer_bytes': 2.0 * m.layer_params / gpus,
         'kv_tok': m.kv_bytes_per_token::DOUBLE * (tp_kv_heads(m.hkv, gpus) / m.hkv),
         'embed_bytes': CASE WHEN m.tied_embeddings THEN 0.0 ELSE 2.0 * m.vocab * m.hidden / gpus END,
         'hidden': m.hidden::DOUBLE, 'vocab': m.vocab::DOUBLE, 'gpus': gpus::DOUBLE}
    END;

-- The plan of a list of settings (p_settings: STRUCTs of strategy, model, setting, n, lin_max, gen_len: n trials
-- sharing a prompt of lin_max tokens, each gen_len long) under the context cx. One row per setting. Candidates: every
-- number of sequential waves (1, 2, 4, ...) whose KV fits beside the non-layer weights (every layer offloaded), each
-- with the fewest layers k offloaded that it needs; the plan is the candidate whose waves take the fewest seconds
-- (pricing_wave_seconds of one wave of gen_len-token trials, times the waves; ties: fewer waves): a second wave that
-- keeps every layer on the GPU beats one wave that streams layers over the link at every step. None fits: the most
-- waves, every layer offloaded. Bytes one GPU's.
CREATE OR REPLACE TEMP MACRO pricing_plan_for(cx, p_settings) AS TABLE
WITH settings AS (SELECT unnest(p_settings, recursive := true)),
shapes AS (
    SELECT s.*, pricing_shape(m, coalesce(cx['gpus'], 1.0)) AS sh
    FROM settings s JOIN models m ON m.name = s.model
),
waves AS (   -- every wave count, whether its KV fits beside the non-layer weights, and the layers it must offload
    SELECT x.*, w.waves, ceil(x.n / w.waves)::INTEGER AS wave_n,
           (x.lin_max + ceil(x.n / w.waves) * x.gen_len) * x.sh.kv_tok AS kv_bytes,
           cx['vram_bytes'] IS NULL
           OR x.sh.weight_bytes - x.sh.layers * x.sh.layer_bytes + (x.lin_max + ceil(x.n / w.waves) * x.gen_len) * x.sh.kv_tok
              + cx['reserve_bytes'] <= cx['vram_bytes'] AS fits,
           CASE WHEN cx['vram_bytes'] IS NULL THEN 0
                ELSE least(x.sh.layers, greatest(0, ceil((x.sh.weight_bytes
                                                          + (x.lin_max + ceil(x.n / w.waves) * x.gen_len) * x.sh.kv_tok
                                                          + cx['reserve_bytes'] - cx['vram_bytes'])
                                                         / x.sh.layer_bytes)))::INTEGER END AS k
    FROM shapes x, (SELECT (2 ** e)::INTEGER AS waves FROM range(0, 11) r(e)) w
    WHERE w.waves <= x.n
),
rows_ AS (   -- every wave count as a plan row (the columns below); lin_max and gen_len kept to price it
    SELECT strategy, model, setting::INTEGER AS setting, sh.params AS params, sh.hq AS hq, sh.hkv AS hkv,
           sh.d_dim AS d_dim, sh.arch AS arch, sh.layers AS layers, n::INTEGER AS n_trials, waves::INTEGER AS waves,
           wave_n, k AS k_layers, (lin_max + wave_n * gen_len)::DOUBLE AS ctx_tokens, sh.weight_bytes AS weight_bytes,
           sh.layer_bytes::DOUBLE AS layer_bytes, kv_bytes::DOUBLE AS kv_bytes,
           sh.weight_bytes - k * sh.layer_bytes AS resident_bytes,                               -- weight bytes on the GPU
           greatest(0.0, sh.weight_bytes - k * sh.layer_bytes - sh.embed_bytes) AS read_bytes,   -- read per decode step
           (k * sh.layer_bytes)::DOUBLE AS offload_bytes,
           sh.weight_bytes - k * sh.layer_bytes + kv_bytes + cx['reserve_bytes'] AS vram_needed, fits,
           sh.hidden AS hidden, sh.vocab AS vocab, sh.gpus AS gpus,
           sh.experts AS experts, sh.experts_per_token AS experts_per_token, sh.expert_bytes AS expert_bytes,
           sh.moe_layers AS moe_layers, lin_max, gen_len
    FROM waves
),
candidates AS (   -- a fitting wave count's seconds: its waves x one wave of gen_len-token trials (pricing_wave_seconds)
    SELECT x.strategy, x.model, x.setting, x.waves,
           x.waves * pricing_wave_seconds(x.lin_max, x.rep, x.rep.kv0 + x.wave_n * x.rep.kv_per_seq, x.wave_n, x.pl, cx,
                                          x.gen_len) AS est_seconds
    FROM (SELECT r.*, r AS pl,
                 {'trials': 1, 'lout': r.gen_len, 'compute': t.compute, 'attention_per_d': t.attention_per_d,
                  'kv0': t.kv0, 'kv_per_seq': t.kv_per_seq} AS rep   -- one trial of gen_len tokens, as pricing_terms_sum
          FROM rows_ r,
               LATERAL (SELECT unnest([pricing_trial_terms('dense', r.lin_max, r.gen_len, 0, 0, 'exact', r)],
                                      recursive := true)) t
          WHERE r.fits) x
),
pick AS (
    SELECT s.strategy, s.model, s.setting, coalesce(any_value(c.best), max(s.waves)) AS waves
    FROM rows_ s
    LEFT JOIN (SELECT strategy, model, setting, arg_min(waves, [est_seconds, waves]) AS best
               FROM candidates GROUP BY ALL) c
      ON c.strategy = s.strategy AND c.model = s.model AND c.setting = s.setting
    GROUP BY s.strategy, s.model, s.setting
)
SELECT r.* EXCLUDE (lin_max, gen_len) FROM rows_ r JOIN pick USING (strategy, model, setting, waves);

-- The plan of a selection: p_task and p_strategy over the sources matching the LIKE patterns p_sources (all when
-- empty), on cx's hardware and VRAM. best-of-n: settings N = 1, 2, 4, ... 1024 and every problem's sample count
-- (N = all); majority, majority-budget: the N of majority_votes; adaptive-majority, adaptive-esc: the batch sizes of
-- adaptive_votes (the batch is what runs at once); the KV holds the longest prompt plus N times the longest trace of that model on the task
-- (majority-budget's capped samples too: the plan is per N). long-cot: settings are the generation budgets
-- (trial_budgets', and the caps of answer tables cut by length, frontier_length_caps), n = 1.
CREATE OR REPLACE TEMP MACRO pricing_plan(cx, p_task, p_strategy, p_sources) AS TABLE
WITH lens AS (
    SELECT t.model, max(coalesce(t.prompt_tokens, p.prompt_tokens, pricing_default_prompt_tokens())) AS lin_max,
           max(t.gen_tokens) AS gen_max
    FROM trials t
    LEFT JOIN problems p ON p.source = t.source AND p.task = t.task AND p.problem_id = t.problem_id
    WHERE t.task = p_task AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: t.source LIKE s)) > 0)
    GROUP BY t.model
),
lc_lin AS (
    SELECT model, max(prompt_tokens) AS lin_max FROM problems
    WHERE task = p_task AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: source LIKE s)) > 0)
    GROUP BY model
),
settings AS (
    SELECT 'best-of-n' AS strategy, model, (2 ** e)::INTEGER AS setting, (2 ** e)::INTEGER AS n,
           lin_max::DOUBLE AS lin_max, gen_max::DOUBLE AS gen_len
    FROM lens, range(0, 11) r(e)
    WHERE p_strategy = 'best-of-n'
    UNION   -- N = all samples of a problem (frontier_bon_accuracy's n_all; every problem's count, a superset)
    SELECT DISTINCT 'best-of-n', l.model, p.n_samples, p.n_samples, l.lin_max::DOUBLE, l.gen_max::DOUBLE
    FROM lens l
    JOIN (SELECT model, sum(n_samples)::INTEGER AS n_samples FROM problems
          WHERE task = p_task AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: source LIKE s)) > 0)
          GROUP BY model, method, budget, block_size, local_window, run_index, answer_table, problem_id) p  -- a config
      ON p.model = l.model
    WHERE p_strategy = 'best-of-n'
    UNION ALL   -- the voting strategies: majority's N (majority_votes), the adaptive ones' batch b (adaptive_votes: the
                -- batch is what runs at once)
    SELECT p_strategy::VARCHAR, l.model, v.n, v.n, l.lin_max::DOUBLE, l.gen_max::DOUBLE
    FROM lens l
    JOIN (SELECT DISTINCT p.model, v.n
          FROM (SELECT source, problem_id, n FROM majority_votes WHERE p_strategy IN ('majority', 'majority-budget')
                UNION ALL
                SELECT source, problem_id, batch FROM adaptive_votes
                WHERE p_strategy IN ('adaptive-majority', 'adaptive-esc')) v
          JOIN problems p ON p.source = v.source AND p.problem_id = v.problem_id
          WHERE p.task = p_task
            AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: p.source LIKE s)) > 0)) v
      ON v.model = l.model
    WHERE p_strategy IN ('majority', 'majority-budget', 'adaptive-majority', 'adaptive-esc')
    UNION ALL
    SELECT DISTINCT 'long-cot', tb.model, tb.gen_budget, 1,
           coalesce(l.lin_max, pricing_default_prompt_tokens())::DOUBLE, tb.gen_budget::DOUBLE
    FROM trial_budgets tb LEFT JOIN lc_lin l ON l.model = tb.model
    WHERE p_strategy = 'long-cot' AND tb.task = p_task
      AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: tb.source LIKE s)) > 0)
    UNION   -- answer tables cut by length (frontier_length_caps); a budget also in trial_budgets is the same row
    SELECT 'long-cot', c.model, c.cap, 1, coalesce(l.lin_max, pricing_default_prompt_tokens())::DOUBLE, c.cap::DOUBLE
    FROM frontier_length_caps(p_task) c LEFT JOIN lc_lin l ON l.model = c.model
    WHERE p_strategy = 'long-cot' AND (len(p_sources) = 0 OR len(list_filter(p_sources, lambda s: c.source LIKE s)) > 0)
),
listed AS (
    SELECT list({'strategy': strategy, 'model': model, 'setting': setting::INTEGER, 'n': n::INTEGER,
                 'lin_max': lin_max::DOUBLE, 'gen_len': gen_len::DOUBLE}) AS settings
    FROM settings
)
SELECT * FROM pricing_plan_for(cx, coalesce((SELECT settings FROM listed), []));

-- requires: frontier/parts, pricing/context, pricing/costs, pricing/datasheet, pricing/plan, pricing/terms
-- requires: selection/catalog, selection/labels, selection/trials
-- Strategies over per-sample answers and lengths: one text for two macros, as frontier/points_macro.sql (the names
-- in braces are filled in by kinetics_sql.warehouse.POINTS_MACROS), whose frontier_points unions these rows with its
-- best-of-n and long-cot ones. Same columns as frontier_points:
-- model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials.
--
--   majority         self-consistency: N samples vote, the plurality answer (ties uniform) must be gold;
--                    accuracy from majority_votes (exact: kinetics_sql/majority.py),
--                    setting = N; uncapped samples.
--   majority-budget  the same with every sample capped at a generation budget B (a sample that needs more
--                    than B tokens has no answer): configurations "<model> dense cap B" (and uncapped), setting = N.
--                    Both here for flops and eflops only; the seconds-based costs price the N samples as best-of-N's
--                    (decoded together until the longest ends): pricing_points, queries/frontier/offload_points.sql.
--   adaptive-majority, adaptive-esc
--                    stop sampling when the vote is settled (kinetics_sql.adaptive; table adaptive_votes): the
--                    leader K votes ahead (setting = K) or a unanimous window of w (setting = w), p_batch samples
--                    drawn together (adaptive-esc: its window), at most p_max_n (0: all). Cost from the per-sample
--                    weights: in the latency regime (rflops, latency, dollars) a batch runs until its longest sample
--                    ends, sum_i longest[i] * frontier_cost(lout = sample i's tokens, n = batch); priced per sample
--                    drawn (flops, eflops, dollars-throughput), sum_i drawn[i] * frontier_cost(that, n = batch) / batch.
--   long-cot         (sources without truncation scores, trial_budgets) from lengths only: a sample is
--                    correct at budget B when it is correct and used at most B tokens. A lower bound on
--                    re-scoring the truncated text (an answer may appear before the trace ends).
-- Cost: the mean over the problem's samples of frontier_cost(lout = least(tokens, B), n = N), the prompt
-- length where known, else pricing_default_prompt_tokens() (the answer tables carry no prompt text: 0, generation
-- cost only). rflops, latency and dollars price each sample under the VRAM plan's row of its model and N (or cap).
CREATE OR REPLACE TEMP MACRO {strategy_points}(p_task, p_strategy, p_cost, p_hardware, p_variant, p_models, p_methods,
                                               p_gpus := 1, p_sources := []::VARCHAR[], p_batch := 1, p_max_n := 0,
                                               p_pricing := NULL) AS TABLE
WITH hw AS (SELECT * FROM frontier_hardware(p_hardware)),
mdl AS (SELECT * FROM frontier_models()),
plan AS (   -- the seconds-based costs' VRAM plan ({plan}: pricing_plan, or frontier_plan_none), per model and setting;
            -- {trial_terms}: pricing_trial_terms, or frontier_no_terms where no cost needs them
    SELECT p.model, p.setting, p AS pl FROM {plan}(p_pricing, p_task, p_strategy, p_sources) p
    WHERE p_cost NOT IN ('flops', 'eflops')
),
sel AS (
    SELECT * FROM frontier_bon_problems(p_task, p_models, p_methods, p_sources)
    WHERE p_strategy IN ('majority', 'majority-budget', 'long-cot')
),
votes AS (
    SELECT s.*, v.gen_budget, v.n, v.accuracy,
           -- flops and eflops are affine in n (but for block top-k's summary reads): cost(N) = c0 + N * (c1 - c0)
           p_cost IN ('flops', 'eflops') AND s.method <> 'blocktopk' AS affine
    FROM sel s JOIN majority_votes v ON v.source = s.source AND v.problem_id = s.problem_id
    WHERE (p_strategy = 'majority-budget' OR (p_strategy = 'majority' AND v.gen_budget IS NULL))
      AND p_cost IN ('flops', 'eflops')   -- the seconds-based costs: pricing_points (frontier/offload_points.sql)
),
cap_costs AS (   -- per problem and cap, the mean over samples of the cost at n = 0 and n = 1 (frontier_cost_affine)
    SELECT source, problem_id, gen_budget, avg(x.c0 ORDER BY trial) AS c0, avg(x.c1 ORDER BY trial) AS c1,
           count(*) AS trials
    FROM (SELECT c.source, c.problem_id, c.gen_budget, t.trial,
                 frontier_cost_affine(p_cost, c.method, m.p, m.hq, m.hkv, m.d, coalesce(t.prompt_tokens, c.prompt_tokens, pricing_default_prompt_tokens()),
                                      CASE WHEN c.gen_budget IS NULL THEN t.gen_tokens
                                           ELSE least(t.gen_tokens, c.gen_budget) END,
                                      hw.i, coalesce(c.budget, 0), coalesce(c.block_size, 0), p_variant, gpus := p_gpus,
                                      i_net := hw.i_net, hidden := m.hidden, vocab := m.vocab, layers := m.layers,
                                      arch := m.arch) AS x
          FROM (SELECT DISTINCT source, problem_id, gen_budget, method, model, budget, block_size, prompt_tokens
                FROM votes WHERE affine) c
          JOIN trials t ON t.source = c.source AND t.problem_id = c.problem_id
          JOIN mdl m ON m.model = c.model
          CROSS JOIN hw)
    GROUP BY source, problem_id, gen_budget
),
maj AS (
    SELECT v.model, v.method, v.budget, v.block_size,
           v.config || CASE WHEN v.gen_budget IS NULL THEN '' ELSE ' cap ' || v.gen_budget::VARCHAR END AS config,
           v.n AS setting, v.problem_id, v.accuracy, c.c0 + v.n * (c.c1 - c.c0) AS cost, c.trials
    FROM votes v
    JOIN cap_costs c ON c.source = v.source AND c.problem_id = v.problem_id AND c.gen_budget IS NOT DISTINCT FROM v.gen_budget
    WHERE v.affine
    UNION ALL
    SELECT r.model, r.method, r.budget, r.block_size,
           r.config || CASE WHEN r.gen_budget IS NULL THEN '' ELSE ' cap ' || r.gen_budget::VARCHAR END AS config,
           r.n AS setting, r.problem_id, any_value(r.accuracy) AS accuracy,
           avg({frontier_cost}(p_cost, r.method, r.p, r.hq, r.hkv, r.d, r.lin, r.lout, r.n, r.i, coalesce(r.budget, 0),
                               coalesce(r.block_size, 0), p_variant, pl := r.pl, cx := p_pricing, terms := r.terms,
                               gpus := p_gpus, i_net := r.i_net, hidden := r.hidden, vocab := r.vocab,
                               layers := r.layers, arch := r.arch)
               ORDER BY r.trial) AS cost,
           count(*) AS trials
    FROM (SELECT x.*, {trial_terms}(x.method, x.lin, x.lout, x.budget, x.block_size, p_variant, x.pl) AS terms
          FROM (SELECT v.source, v.model, v.method, v.budget, v.block_size, v.config, v.gen_budget, v.n, v.problem_id,
                       v.accuracy, t.trial, m.p, m.hq, m.hkv, m.d, m.hidden, m.vocab, m.layers, m.arch, hw.i, hw.i_net,
                       pn.pl, coalesce(t.prompt_tokens, v.prompt_tokens, pricing_default_prompt_tokens()) AS lin,
                       CASE WHEN v.gen_budget IS NULL THEN t.gen_tokens ELSE least(t.gen_tokens, v.gen_budget) END AS lout
                FROM votes v
                JOIN trials t ON t.source = v.source AND t.problem_id = v.problem_id
                JOIN mdl m ON m.model = v.model
                CROSS JOIN hw
                LEFT JOIN plan pn ON pn.model = v.model AND pn.setting = v.n
                WHERE NOT v.affine) x) r
    GROUP BY r.source, r.model, r.method, r.budget, r.block_size, r.config, r.gen_budget, r.n, r.problem_id
),
ad AS (   -- one row per sample with its weight (lists unnested first: a join would copy them to every sample)
    SELECT s.source, s.model, s.method, s.budget, s.block_size, s.prompt_tokens,
           s.config || frontier_adaptive_label(a.rule, a.batch, a.max_n) AS config,
           a.problem_id, a.setting, a.batch, a.accuracy, len(a.drawn) AS samples,
           unnest(CASE WHEN p_cost IN ('flops', 'eflops', 'dollars-throughput')
                       THEN list_transform(a.drawn, lambda w: w / a.batch)
                       ELSE coalesce(a.longest, a.drawn) END) AS w,
           unnest(range(len(a.drawn))) AS trial
    FROM frontier_bon_problems(p_task, p_models, p_methods, p_sources) s
    JOIN adaptive_votes a ON a.source = s.source AND a.problem_id = s.problem_id
    WHERE p_strategy IN ('adaptive-majority', 'adaptive-esc')
      AND a.rule = CASE p_strategy WHEN 'adaptive-majority' THEN 'margin' ELSE 'esc' END
      AND (a.rule = 'esc' OR a.batch = p_batch)
      AND coalesce(a.max_n, 0) = p_max_n
),
adaptive AS (   -- the expected cost: each sample's weight times its cost at n = batch (a weight of 0 costs nothing)
    SELECT r.model, r.method, r.budget, r.block_size, r.config, r.setting, r.problem_id, any_value(r.accuracy) AS accuracy,
           sum(r.w * {frontier_cost}(p_cost, r.method, r.p, r.hq, r.hkv, r.d, r.lin, r.gen_tokens, r.batch, r.i,
                                     coalesce(r.budget, 0), coalesce(r.block_size, 0), p_variant, pl := r.pl,
                                     cx := p_pricing, terms := r.terms, gpus := p_gpus, i_net := r.i_net,
                                     hidden := r.hidden, vocab := r.vocab, layers := r.layers, arch := r.arch)
               ORDER BY r.trial) AS cost,
           any_value(r.samples) AS trials
    FROM (SELECT x.*, {trial_terms}(x.method, x.lin, x.gen_tokens, x.budget, x.block_size, p_variant, x.pl) AS terms
          FROM (SELECT a.*, t.gen_tokens,
                       coalesce(t.prompt_tokens, a.prompt_tokens, pricing_default_prompt_tokens()) AS lin, m.p, m.hq,
                       m.hkv, m.d, m.hidden, m.vocab, m.layers, m.arch, hw.i, hw.i_net, pn.pl
                FROM ad a
                JOIN trials t ON t.source = a.source AND t.problem_id = a.problem_id AND t.trial = a.trial
                JOIN mdl m ON m.model = a.model
                CROSS JOIN hw
                LEFT JOIN plan pn ON pn.model = a.model AND pn.setting = a.batch
                WHERE a.w > 0) x) r
    GROUP BY r.source, r.model, r.method, r.budget, r.block_size, r.config, r.setting, r.problem_id
),
caps AS (   -- sources with per-sample correctness and no truncation scores, each cut at its budgets
    SELECT source, cap FROM frontier_length_caps(p_task) WHERE p_strategy = 'long-cot'
),
lengths_only AS (SELECT DISTINCT source FROM caps),
lc_trials AS (
    SELECT s.source, s.model, s.method, s.budget, s.block_size, s.config, s.problem_id, t.trial, t.gen_tokens, t.correct,
           coalesce(t.prompt_tokens, s.prompt_tokens, pricing_default_prompt_tokens()) AS lin,
           p_cost IN ('flops', 'eflops') AS by_length   -- a trace's cost depends on its length only
    FROM sel s
    JOIN lengths_only l ON l.source = s.source
    JOIN trials t ON t.source = s.source AND t.problem_id = s.problem_id
),
lc_full AS (   -- flops, eflops: each trace's cost once; at a cap below its length, the cap's cost (lc_cap)
    SELECT x.*, frontier_cost_datasheet(p_cost, x.method, m.p, m.hq, m.hkv, m.d, x.lin, x.gen_tokens, 1, hw.i, coalesce(x.budget, 0),
                              coalesce(x.block_size, 0), p_variant,
                             gpus := p_gpus, i_net := hw.i_net, hidden := m.hidden, vocab := m.vocab, layers := m.layers,
                             arch := m.arch) AS c
    FROM lc_trials x JOIN mdl m ON m.model = x.model CROSS JOIN hw
    WHERE x.by_length
),
lc_cap AS (
    SELECT k.*, frontier_cost_datasheet(p_cost, k.method, m.p, m.hq, m.hkv, m.d, k.lin, k.cap, 1, hw.i, coalesce(k.budget, 0),
                              coalesce(k.block_size, 0), p_variant,
                             gpus := p_gpus, i_net := hw.i_net, hidden := m.hidden, vocab := m.vocab, layers := m.layers,
                             arch := m.arch) AS c_cap
    FROM (SELECT DISTINCT x.source, x.model, x.method, x.budget, x.block_size, x.lin, c.cap
          FROM lc_trials x JOIN caps c ON c.source = x.source WHERE x.by_length) k
    JOIN mdl m ON m.model = k.model CROSS JOIN hw
),
lc_lists AS (   -- per problem and prompt length, its traces in trial order (list sums: the same bits every run)
    SELECT source, model, method, budget, block_size, config, problem_id, lin,
           list({'g': gen_tokens, 'c': c, 'ok': correct} ORDER BY trial) AS tr
    FROM lc_full GROUP BY ALL
),
lcl AS (   -- a trace within the cap costs its own c, a longer one the cap's cost (lc_cap)
    SELECT l.model, l.method, l.budget, l.block_size, l.config, c.cap AS setting, l.problem_id,
           sum(len(list_filter(l.tr, lambda x: x.ok AND x.g <= c.cap))) / sum(len(l.tr)) AS accuracy,
           sum(list_sum(list_transform(l.tr, lambda x: CASE WHEN x.g <= c.cap THEN x.c ELSE k.c_cap END)) ORDER BY l.lin)
               / sum(len(l.tr)) AS cost,
           sum(len(l.tr))::BIGINT AS trials
    FROM lc_lists l
    JOIN caps c ON c.source = l.source
    JOIN lc_cap k ON k.source = l.source AND k.lin = l.lin AND k.cap = c.cap
    GROUP BY l.source, l.model, l.method, l.budget, l.block_size, l.config, c.cap, l.problem_id
    UNION ALL
    SELECT r.model, r.method, r.budget, r.block_size, r.config, r.cap AS setting, r.problem_id,
           avg((r.correct AND r.gen_tokens <= r.cap)::DOUBLE ORDER BY r.trial) AS accuracy,
           avg({frontier_cost}(p_cost, r.method, r.p, r.hq, r.hkv, r.d, r.lin, r.lout, 1, r.i, coalesce(r.budget, 0),
                               coalesce(r.block_size, 0), p_variant, pl := r.pl, cx := p_pricing, terms := r.terms,
                               gpus := p_gpus, i_net := r.i_net, hidden := r.hidden, vocab := r.vocab,
                               layers := r.layers, arch := r.arch)
               ORDER BY r.trial) AS cost,
           count(*) AS trials
    FROM (SELECT y.*, {trial_terms}(y.method, y.lin, y.lout, y.budget, y.block_size, p_variant, y.pl) AS terms
          FROM (SELECT x.source, x.model, x.method, x.budget, x.block_size, x.config, x.problem_id, x.trial, x.correct,
                       x.gen_tokens, x.lin, c.cap, least(x.gen_tokens, c.cap) AS lout, m.p, m.hq, m.hkv, m.d,
                       m.hidden, m.vocab, m.layers, m.arch, hw.i, hw.i_net, pn.pl
                FROM lc_trials x
                JOIN caps c ON c.source = x.source
                JOIN mdl m ON m.model = x.model
                CROSS JOIN hw
                LEFT JOIN plan pn ON pn.model = x.model AND pn.setting = c.cap
                WHERE NOT x.by_length) y) r
    GROUP BY r.source, r.model, r.method, r.budget, r.block_size, r.config, r.cap, r.problem_id
)
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials FROM maj
UNION ALL
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials FROM lcl
UNION ALL
SELECT model, method, budget, block_size, config, setting, problem_id, accuracy, cost, trials FROM adaptive;

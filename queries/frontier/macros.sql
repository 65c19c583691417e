-- Frontier building blocks as DuckDB macros (created TEMP on the connection by kinetics_sql.frontier).
-- Spec: docs/cost-model.md, "Expected cost of a problem" and "Frontiers".
--
--   frontier_points(task, strategy, cost, hardware, variant, models, methods, p_gpus := 1, p_sources := [])
--       one row per configuration x setting x problem: accuracy and expected cost (queries/frontier/points_macro.sql;
--       frontier_points_datasheet: the same for flops and eflops only, planned several times faster)
--   frontier_curve(points, kind, by, envelope, bootstrap, seed)
--       the exact frontier over a table of such points (its name: kinetics_sql.frontier materialises
--       frontier_points once per selection as a TEMP table), one row per breakpoint, labelled, with a band:
--         CREATE TEMP TABLE pts AS SELECT * FROM frontier_points('aime24', 'best-of-n', 'eflops', 'b200',
--                                                               'exact', [], []);
--         SELECT * FROM frontier_curve('pts', 'oracle', 'model', true, 0, 0);

-- frontier_cost, frontier_label, frontier_coverage, frontier_models: queries/frontier/arms.sql;
-- frontier_points: queries/frontier/points_macro.sql.

-- The frontier, exact: one row per breakpoint of the step function.
--   kind 'oracle':     F(C) = mean over problems of max{a(q,k) : c(q,k) <= C} (the paper's, per problem)
--   kind 'deployable': F(C) = max{mean_q a(q,k) : mean_q c(q,k) <= C} (one arm for every problem)
-- An arm is a configuration with a setting (N, or a generation budget). by: 'none' | 'model' | 'method'
-- | 'config' | 'model_method' | 'arm' groups the arms; envelope := true keeps max over groups (each
-- breakpoint labelled with the arm that set it), false one frontier per group. bootstrap B > 0 adds
-- lower/upper, the 2.5% and 97.5% quantiles of B frontiers on problems resampled with replacement
-- (replicate 0 is the data itself; draws are hash(seed, replicate, draw), so reproducible).
-- The points of a table with their group (p_by): what frontier_curve and its band (kinetics_sql.frontier.oracle_band)
-- share.
CREATE OR REPLACE TEMP MACRO frontier_grouped(p_points, p_by) AS TABLE
SELECT *,
       CASE p_by
           WHEN 'none' THEN 'all'
           WHEN 'model' THEN model
           WHEN 'method' THEN method
           WHEN 'config' THEN config
           WHEN 'model_method' THEN model || ' ' || method
           WHEN 'arm' THEN config || ' @' || setting::VARCHAR
           ELSE error('unknown grouping ''' || p_by || ''' (expected none, model, method, config, model_method or arm)')
       END AS grp
FROM query_table(p_points);

-- Bootstrap replicates 1..p_bootstrap of the problems of a points table: each drawn problem's weight (its
-- multiplicity among q draws with replacement; draws are hash(seed, replicate, draw), so reproducible).
CREATE OR REPLACE TEMP MACRO frontier_replicates(p_points, p_bootstrap, p_seed) AS TABLE
WITH probs AS (
    SELECT problem_id, (row_number() OVER (ORDER BY problem_id) - 1)::UBIGINT AS idx, count(*) OVER () AS q
    FROM (SELECT DISTINCT problem_id FROM query_table(p_points))
),
nq AS (SELECT any_value(q)::BIGINT AS q FROM probs)
SELECT r.rep, p.problem_id, count(*)::DOUBLE AS w
FROM nq, range(1, p_bootstrap + 1) r(rep), range(0, nq.q) d(draw)
JOIN probs p ON p.idx = hash(p_seed, r.rep, d.draw) % nq.q::UBIGINT
GROUP BY ALL;

-- The oracle's events: per group and problem, each arm (in cost order) that raises the problem's best accuracy, and
-- by how much (gain). A group's oracle frontier is the running sum of its gains over cost, over the problems.
CREATE OR REPLACE TEMP MACRO frontier_oracle_events(p_points, p_by) AS TABLE
WITH ranked AS (
    SELECT *, max(accuracy) OVER (PARTITION BY grp, problem_id ORDER BY cost, accuracy DESC, config, setting
                                  ROWS UNBOUNDED PRECEDING) AS best
    FROM frontier_grouped(p_points, p_by)
)
SELECT * FROM (
    SELECT *, best - coalesce(lag(best) OVER (PARTITION BY grp, problem_id
                                              ORDER BY cost, accuracy DESC, config, setting), 0.0) AS gain
    FROM ranked)
WHERE gain > 0;

CREATE OR REPLACE TEMP MACRO frontier_curve(p_points, p_kind, p_by, p_envelope, p_bootstrap, p_seed) AS TABLE
WITH pts AS (
    SELECT * FROM frontier_grouped(p_points, p_by)
    WHERE CASE WHEN p_kind IN ('oracle', 'deployable') THEN true
               ELSE error('unknown frontier kind ''' || p_kind || ''' (expected oracle or deployable)') END
),
probs AS (
    SELECT problem_id, (row_number() OVER (ORDER BY problem_id) - 1)::UBIGINT AS idx, count(*) OVER () AS q
    FROM (SELECT DISTINCT problem_id FROM pts)
),
nq AS (SELECT any_value(q)::BIGINT AS q FROM probs),
reps AS (   -- problem weights per replicate: 1 each in replicate 0, multiplicities of q draws in the others
    SELECT 0 AS rep, problem_id, 1.0 AS w FROM probs
    UNION ALL
    SELECT rep, problem_id, w FROM frontier_replicates(p_points, p_bootstrap, p_seed)
),
-- oracle: per group and problem the running max of accuracy over arms in cost order; its increments
events AS (SELECT * FROM frontier_oracle_events(p_points, p_by) WHERE p_kind = 'oracle'),
event_arms AS (   -- the arm that moved the group's frontier most at this cost
    SELECT grp, cost,
           arg_max({'model': model, 'method': method, 'budget': budget, 'block_size': block_size,
                    'config': config, 'setting': setting}, gain) AS arm
    FROM events GROUP BY grp, cost
),
oracle AS (
    SELECT c.rep, c.grp, c.cost, c.accuracy, a.arm
    FROM (SELECT rep, grp, cost,
                 sum(sum(w * gain ORDER BY problem_id)) OVER (PARTITION BY rep, grp ORDER BY cost) / nq.q AS accuracy
          FROM events JOIN reps USING (problem_id) CROSS JOIN nq
          GROUP BY rep, grp, cost, nq.q) c
    JOIN event_arms a ON a.grp = c.grp AND a.cost = c.cost
),
deployable AS (
    SELECT rep, grp, sum(w * cost ORDER BY problem_id) / sum(w) AS cost,
           sum(w * accuracy ORDER BY problem_id) / nq.q AS accuracy,   -- ordered: deterministic bits
           {'model': model, 'method': method, 'budget': budget, 'block_size': block_size,
            'config': config, 'setting': setting} AS arm
    FROM pts JOIN reps USING (problem_id) CROSS JOIN nq
    WHERE p_kind = 'deployable'
    GROUP BY rep, grp, model, method, budget, block_size, config, setting, nq.q
),
curve AS (
    SELECT *, CASE WHEN p_envelope THEN 'envelope' ELSE grp END AS lane,
           max(accuracy) OVER (PARTITION BY rep, lane ORDER BY cost, accuracy DESC ROWS UNBOUNDED PRECEDING) AS best
    FROM (SELECT * FROM oracle UNION ALL SELECT * FROM deployable)
),
breakpoints AS (   -- replicate 0: where the running max strictly rises
    SELECT * FROM (
        SELECT *, coalesce(lag(best) OVER (PARTITION BY lane ORDER BY cost, accuracy DESC), 0.0) AS before
        FROM curve WHERE rep = 0)
    WHERE best > before
),
band AS (
    SELECT b.lane, b.cost,
           quantile_cont(coalesce(r.best, 0.0), 0.025) AS lower,
           quantile_cont(coalesce(r.best, 0.0), 0.975) AS upper
    FROM breakpoints b
    CROSS JOIN range(1, p_bootstrap + 1) x(rep)
    ASOF LEFT JOIN curve r ON r.rep = x.rep AND r.lane = b.lane AND r.cost <= b.cost
    GROUP BY b.lane, b.cost
)
SELECT b.grp AS "group", b.cost, b.accuracy,
       b.arm.model AS model, b.arm.method AS method, b.arm.budget AS budget, b.arm.block_size AS block_size,
       b.arm.config AS config, b.arm.setting AS setting, band.lower, band.upper
FROM breakpoints b
LEFT JOIN band ON band.lane = b.lane AND band.cost = b.cost
ORDER BY b.lane, b.cost;

-- FLOPs-chosen vs eFLOPs-chosen. Groups (by: 'model' for the paper's optimal model; 'arm' with kind
-- 'deployable' for one configuration and setting) each get a FLOPs and an eFLOPs frontier. For every
-- accuracy level (a breakpoint of either), the FLOPs-optimal group is the one reaching the level at
-- the least FLOPs; ratio = its eFLOPs cost to reach the level / the least eFLOPs cost of any group.
-- flops_points and eflops_points: the same selection's frontier_points tables under each cost model.
CREATE OR REPLACE TEMP MACRO frontier_flops_vs_eflops(flops_points, eflops_points, p_kind, p_by) AS TABLE
WITH fl AS MATERIALIZED (
    SELECT "group" AS grp, cost, accuracy FROM frontier_curve(flops_points, p_kind, p_by, false, 0, 0)
),
ef AS MATERIALIZED (
    SELECT "group" AS grp, cost, accuracy FROM frontier_curve(eflops_points, p_kind, p_by, false, 0, 0)
),
levels AS (SELECT round(accuracy, 12) AS level FROM fl UNION SELECT round(accuracy, 12) FROM ef),
groups AS (SELECT DISTINCT grp FROM fl UNION SELECT DISTINCT grp FROM ef),
level_groups AS (SELECT l.level, g.grp, l.level - 1e-12 AS threshold FROM levels l CROSS JOIN groups g),
-- least FLOPs at which each group's frontier reaches the level (1e-12: float sums). A group's frontier rises
-- in accuracy with cost, so that is its first breakpoint at or above the level: an ASOF join, not a scan
fl_reach AS (
    SELECT lg.level, lg.grp, f.cost AS flops
    FROM level_groups lg ASOF JOIN fl f ON f.grp = lg.grp AND lg.threshold <= f.accuracy
),
ef_reach AS (
    SELECT lg.level, lg.grp, e.cost AS eflops
    FROM level_groups lg ASOF JOIN ef e ON e.grp = lg.grp AND lg.threshold <= e.accuracy
),
flops_pick AS (SELECT level, arg_min(grp, flops) AS flops_choice, min(flops) AS flops_cost FROM fl_reach GROUP BY level),
eflops_pick AS (SELECT level, arg_min(grp, eflops) AS eflops_choice, min(eflops) AS eflops_optimal FROM ef_reach GROUP BY level)
SELECT f.level AS accuracy, f.flops_choice, e.eflops_choice, f.flops_cost,
       r.eflops AS eflops_of_flops_choice, e.eflops_optimal, r.eflops / e.eflops_optimal AS ratio
FROM flops_pick f
JOIN eflops_pick e USING (level)
JOIN ef_reach r ON r.level = f.level AND r.grp = f.flops_choice
ORDER BY accuracy;

-- Sparse vs dense attention, per model and over all models ('all models': frontiers by method):
-- at equal accuracy (each dense breakpoint a level), dense cost / the sparse frontier's least cost
-- to reach it; at equal cost (each sparse breakpoint), sparse accuracy - the dense frontier's there.
CREATE OR REPLACE TEMP MACRO frontier_sparse_vs_dense_levels(p_points, p_kind) AS TABLE
WITH curves AS MATERIALIZED (   -- read several times below: computed once
    SELECT model AS scope, method, cost, accuracy FROM frontier_curve(p_points, p_kind, 'model_method', false, 0, 0)
    UNION ALL
    SELECT 'all models' AS scope, method, cost, accuracy FROM frontier_curve(p_points, p_kind, 'method', false, 0, 0)
),
dense AS (SELECT scope, cost, accuracy FROM curves WHERE method = 'dense'),
sparse AS (SELECT scope, method, cost, accuracy FROM curves WHERE method <> 'dense'),
top AS (SELECT scope, max(accuracy) AS top FROM dense GROUP BY scope),
at_accuracy AS (   -- each dense breakpoint a level: the sparse frontier's least cost to reach it (its first
                   -- breakpoint at or above the level: sparse frontiers rise with cost, so an ASOF join)
    SELECT s.scope, s.method, 'equal accuracy' AS compare, d.accuracy, d.cost AS dense_cost, s.cost AS sparse_cost,
           NULL::DOUBLE AS sparse_accuracy, d.accuracy >= t.top - 1e-12 AS dense_top
    FROM (SELECT d.*, d.accuracy - 1e-12 AS threshold, sm.method
          FROM dense d JOIN (SELECT DISTINCT scope, method FROM sparse) sm ON sm.scope = d.scope) d
    JOIN top t ON t.scope = d.scope
    ASOF JOIN sparse s ON s.scope = d.scope AND s.method = d.method AND d.threshold <= s.accuracy
),
at_cost AS (   -- each sparse breakpoint a cost: the dense frontier's accuracy there
    SELECT s.scope, s.method, 'equal cost' AS compare, coalesce(d.accuracy, 0.0) AS accuracy, NULL::DOUBLE AS dense_cost,
           s.cost AS sparse_cost, s.accuracy AS sparse_accuracy, false AS dense_top
    FROM sparse s ASOF LEFT JOIN dense d ON d.scope = s.scope AND d.cost <= s.cost
    WHERE s.scope IN (SELECT scope FROM top)   -- only where there is a dense frontier to compare with
),
dense_best AS (   -- the dense frontier's best accuracy, whether or not the sparse frontier reaches it
    SELECT t.scope, sm.method, 'dense best' AS compare, t.top AS accuracy, NULL::DOUBLE AS dense_cost,
           NULL::DOUBLE AS sparse_cost, sm.best AS sparse_accuracy, true AS dense_top
    FROM top t JOIN (SELECT scope, method, max(accuracy) AS best FROM sparse GROUP BY ALL) sm ON sm.scope = t.scope
)
SELECT scope AS model, method, compare, accuracy AS dense_accuracy, sparse_accuracy, dense_cost, sparse_cost,
       dense_cost / sparse_cost AS cost_ratio, sparse_accuracy - accuracy AS accuracy_gain, dense_top
FROM (SELECT * FROM at_accuracy UNION ALL SELECT * FROM at_cost UNION ALL SELECT * FROM dense_best);

CREATE OR REPLACE TEMP MACRO frontier_sparse_vs_dense(p_points, p_kind) AS TABLE
WITH levels AS MATERIALIZED (SELECT * FROM frontier_sparse_vs_dense_levels(p_points, p_kind)),
ratios AS (
    SELECT model, method, count(*) AS levels, max(cost_ratio) AS max_cost_ratio, median(cost_ratio) AS median_cost_ratio,
           max(CASE WHEN dense_top THEN cost_ratio END) AS cost_ratio_at_dense_best
    FROM levels WHERE compare = 'equal accuracy' GROUP BY ALL
),
best AS (
    SELECT model, method, dense_accuracy AS dense_best_accuracy, sparse_accuracy AS sparse_best_accuracy
    FROM levels WHERE compare = 'dense best'
),
gains AS (
    SELECT model, method, max(accuracy_gain) AS max_accuracy_gain, arg_max(sparse_cost, accuracy_gain) AS cost_at_max_gain
    FROM levels WHERE compare = 'equal cost' GROUP BY ALL
)
SELECT g.model, g.method, r.levels, b.dense_best_accuracy, r.cost_ratio_at_dense_best,
       r.max_cost_ratio, r.median_cost_ratio, g.max_accuracy_gain, g.cost_at_max_gain, b.sparse_best_accuracy
FROM gains g LEFT JOIN ratios r USING (model, method) LEFT JOIN best b USING (model, method)
ORDER BY g.model = 'all models', g.model, g.method;

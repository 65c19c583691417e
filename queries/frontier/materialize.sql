-- requires: frontier/points_macro
-- The points of one selection (points_macro.sql: {frontier_points}, the datasheet instantiation for flops and eflops),
-- kept as a TEMP table that the frontier queries name by $points; kinetics_sql.frontier names it fp_<hash of the
-- selection and the data>.
CREATE OR REPLACE TEMP TABLE frontier_points_table AS
SELECT * FROM {frontier_points}($task, $strategy, $cost, $hardware, $variant, $models, $methods, p_gpus := $gpus,
                                p_sources := $sources, p_batch := $batch, p_max_n := $max_n, p_pricing := $pricing);

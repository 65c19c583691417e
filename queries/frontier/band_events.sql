-- requires: frontier/macros
-- The oracle's events of $points grouped by $by, in cost order within each group (macros.sql: frontier_oracle_events).
SELECT grp, problem_id, cost, gain FROM frontier_oracle_events($points, $by) ORDER BY grp, cost;

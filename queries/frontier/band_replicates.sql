-- requires: frontier/macros
-- Replicates 1..$bootstrap of the problems of $points, each drawn problem's weight (macros.sql: frontier_replicates).
SELECT rep, problem_id, w FROM frontier_replicates($points, $bootstrap, $seed);

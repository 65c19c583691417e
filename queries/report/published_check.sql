-- requires: frontier/points_macro, selection/labels
-- The per-problem costs of frontier_points (variant 'published', eFLOPs, i of $hardware: 562.5 on b200; its
-- datasheet instantiation {frontier_points}, see ../frontier/points_macro.sql) against the authors' published_costs,
-- all sources but those ingest flagged.
SELECT count(*) AS rows, max(abs(f.cost / 1e12 - pc.total_cost) / pc.total_cost) AS max_relative_error,
       max(abs(f.accuracy - pc.coverage)) AS max_coverage_error
FROM {frontier_points}($task, 'best-of-n', 'eflops', $hardware, 'published', []::VARCHAR[], []::VARCHAR[]) f
JOIN (SELECT *, model || ' ' || frontier_label(method, budget, block_size, local_window, run_index, answer_table) AS config
      FROM published_costs WHERE task = $task AND source NOT IN (SELECT source FROM ingest_issues)) pc
  ON pc.config = f.config AND pc.problem_id = f.problem_id AND pc.n = f.setting;

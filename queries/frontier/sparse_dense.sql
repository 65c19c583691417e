-- requires: frontier/macros
-- Sparse vs dense attention per model and over all models (macros.sql: frontier_sparse_vs_dense).
SELECT model, method, levels, dense_best_accuracy, cost_ratio_at_dense_best, max_cost_ratio, median_cost_ratio,
       max_accuracy_gain, cost_at_max_gain / 1e12 AS cost_tera_at_max_gain
FROM frontier_sparse_vs_dense($points, $kind);

-- requires: frontier/macros
-- Sparse vs dense attention per model and over all models (macros.sql: frontier_sparse_vs_dense). cost_ratio_at_dense_best
-- is empty where the sparse frontier never reaches the dense frontier's best accuracy; note says so.
SELECT model, method, levels, dense_best_accuracy, cost_ratio_at_dense_best, max_cost_ratio, median_cost_ratio,
       max_accuracy_gain, cost_at_max_gain / 1e12 AS cost_tera_at_max_gain,
       CASE WHEN cost_ratio_at_dense_best IS NULL
            THEN printf('%s tops out at accuracy %.3f, below dense''s best %.3f: no cost ratio there', method,
                        sparse_best_accuracy, dense_best_accuracy)
       END AS note
FROM frontier_sparse_vs_dense($points, $kind);

-- The recommendation over recommend_costed (costed.sql, the request's budget): the best-ranked arm within the budget.
-- With a $limit: the most accurate arm whose cost <= $limit (ties: the cheaper); with a $target accuracy: the
-- cheapest arm whose accuracy >= $target (ties: the more accurate). Either way no deployable arm is at least as
-- accurate for no more cost (a point of the deployable frontier).
SELECT * EXCLUDE (within_budget, budget_rank) FROM recommend_costed WHERE within_budget ORDER BY budget_rank LIMIT 1;

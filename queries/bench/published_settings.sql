-- bench macros: the N of every published (source, problem) cost.
SELECT source, problem_id, n FROM published_costs;

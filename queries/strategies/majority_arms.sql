-- Per model and N of uncapped majority voting on $task (majority_votes): the mean accuracy over problems and its
-- standard error (independent estimates per problem: sqrt(sum se^2) / problems; 0 where every cell is exact).
-- kinetics_sql.compare_adaptive compares adaptive arms with them within both standard errors.
SELECT v.model, v.n AS setting, avg(v.accuracy) AS accuracy, sqrt(sum(v.accuracy_se ^ 2)) / count(*) AS accuracy_se
FROM majority_votes v
WHERE v.task = $task AND v.gen_budget IS NULL AND (len($models::VARCHAR[]) = 0 OR list_contains($models::VARCHAR[], v.model))
GROUP BY v.model, v.n
ORDER BY v.model, v.n;

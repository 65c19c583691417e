-- Per arm of a materialised points table ($points: kinetics_sql.frontier.points_table, priced when it was made):
-- the mean accuracy, cost and seconds over its problems (kinetics_sql.compare_adaptive).
SELECT model, config, setting, avg(accuracy) AS accuracy, avg(cost) AS cost, avg(seconds) AS seconds,
       count(*) AS problems
FROM query_table($points)
GROUP BY model, config, setting;

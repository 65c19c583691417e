-- Rows of the authors' published tables for $task (the report checks frontier_points against them where there are).
SELECT count(*) AS n FROM published_costs WHERE task = $task;

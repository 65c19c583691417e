-- The problems of the points table $points in index order (frontier_replicates numbers them so).
SELECT DISTINCT problem_id FROM query_table($points) ORDER BY problem_id;

-- Rows of recommend_points so far (kinetics_sql.recommend notes the selections that added none).
SELECT count(*) AS n FROM recommend_points;

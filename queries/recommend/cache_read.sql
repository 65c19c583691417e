-- The rows of one (task, strategy) of recommend_points, as an earlier run priced them on the same data under the
-- same pricing context and the same SQL (kinetics_sql.pointcache names the file by a hash of all three).
INSERT INTO recommend_points SELECT * FROM read_parquet({path});

-- Keep the rows just priced for one (task, strategy) for the next run (kinetics_sql.pointcache).
COPY (SELECT * FROM recommend_points WHERE task = {task} AND strategy = {strategy}) TO {path} (FORMAT parquet);

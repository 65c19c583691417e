-- Settings of every connection. The frontier comparisons ASOF-join curves whose sizes DuckDB cannot estimate
-- through the table macros (it guesses a few rows); under this threshold it plans a nested loop, quadratic at
-- 100K breakpoints (112 s instead of 3 s at 2M trials).
SET asof_loop_join_threshold = 0;

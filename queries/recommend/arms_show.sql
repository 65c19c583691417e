-- The deployable arms of the last recommend (queries/recommend/arms.sql), in a stable order.
SELECT * FROM recommend_arms ORDER BY strategy, config, setting;

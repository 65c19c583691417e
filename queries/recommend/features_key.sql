-- The selection and data whose sums recommend_features holds (kinetics_sql.recommend; NULL when none yet).
SELECT (SELECT key FROM recommend_features_key) AS key;

-- Note the selection and data whose sums recommend_features now holds ($key: kinetics_sql.recommend).
CREATE OR REPLACE TEMP TABLE recommend_features_key AS SELECT $key::VARCHAR AS key;

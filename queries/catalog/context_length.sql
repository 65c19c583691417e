-- A model's context length (max_position_embeddings of its config.json), NULL where unknown.
SELECT max_position FROM models WHERE name = $model;

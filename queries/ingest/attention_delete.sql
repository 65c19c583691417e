-- Remove the attention benchmark rows of one ingested source ($source).
DELETE FROM attention_bench WHERE source = $source;

-- The catalog name of the model whose Hugging Face repo id is $repo (case-insensitive), e.g. Qwen/Qwen3-8B -> Qwen3-8B.
SELECT name FROM models WHERE lower(hf_repo) = lower($repo) ORDER BY builtin, name LIMIT 1;

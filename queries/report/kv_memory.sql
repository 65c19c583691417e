-- requires: macros/003_catalog
-- Figure 4a: weights vs KV cache memory per model (bf16), at $tokens tokens of context.
SELECT name AS model, coalesce(params_kinetics, params) / 1e9 AS params_b,
       2.0 * coalesce(params_kinetics, params) / 2 ^ 30 AS weights_gib,
       kv_cache_bytes(name, $tokens) / 2 ^ 30 AS kv_gib,
       kv_cache_bytes(name, $tokens) / (2.0 * coalesce(params_kinetics, params)) AS kv_over_weights
FROM models
WHERE name LIKE 'Qwen3-%'
ORDER BY params;

-- `kinetics-sql models`: the model catalog, params in billions and the KV cache of 32K tokens in GiB.
SELECT
    name, family,
    round(params / 1e9, 3) AS params_b,
    round(params_kinetics / 1e9, 3) AS params_kinetics_b,
    layers, hidden, hq, hkv, head_dim, intermediate, vocab, tied_embeddings,
    round(kv_bytes_per_token * 32768 / 2^30, 3) AS kv_gib_at_32k,
    max_position AS context,
    hf_repo,
    -- built-in, user, or a user's entry replacing the built-in of that name (kept across opens)
    CASE WHEN builtin THEN 'built-in' WHEN overrides_builtin THEN 'user (overrides built-in)' ELSE 'user' END AS origin
FROM models
ORDER BY family, params;

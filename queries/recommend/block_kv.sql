-- Block top-k's block-summary reads (block_summary_reads, queries/macros/001_cost.sql: a summary per block of the
-- whole cache, floor((2 lin + n lout) / block) of them at each step) summed over the trials of each configuration,
-- problem and prompt length (recommend_trials) at every batch the current plan needs (wave_n sequences, and c * wave_n
-- in the throughput regime) that recommend_block_kv does not hold yet. The one part of the KV reads not affine in the
-- batch: summed per trial, once per batch size for the settings and every hardware profile and VRAM limit that need
-- it (queries/recommend/points.sql adds them to the affine rest of recommend_features).
INSERT INTO recommend_block_kv
WITH cx AS (SELECT * FROM offload_context),
needed AS (
    SELECT DISTINCT op.model, op.hkv, op.d_dim, op.gpus,
           unnest([op.wave_n, batch_problems(op.waves, op.wave_n, op.resident_bytes, op.kv_bytes, cx.vram_bytes,
                                             cx.reserve_bytes) * op.wave_n]) AS seqs
    FROM offload_plan op CROSS JOIN cx
    WHERE op.strategy = $strategy
),
todo AS (
    SELECT * FROM needed d
    WHERE NOT EXISTS (SELECT 1 FROM recommend_block_kv k WHERE k.model = d.model AND k.seqs = d.seqs)
)
SELECT t.model, t.config, coalesce(t.setting, 0) AS setting_key, t.problem_id, coalesce(t.lin, -1) AS lin_key, d.seqs,
       sum(block_summary_reads(tp_kv_heads(d.hkv, d.gpus), d.d_dim, t.lin, t.lout, d.seqs, t.block_size)) AS kv
FROM recommend_trials t JOIN todo d ON d.model = t.model
WHERE t.method = 'blocktopk'
GROUP BY ALL;

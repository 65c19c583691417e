-- Problems decoded together in the throughput regime for the plans of a voting strategy ($plans: model, setting,
-- waves, wave_n, resident_gb, kv_gb of costmodel.plan), by the pricing layer's batch_problems, under $vram_bytes
-- and $reserve_bytes: recommend_points.batch_problems for majority and majority-budget (kinetics_sql.recommend).
SELECT p.model, p.setting,
       batch_problems(p.waves, p.wave_n, p.resident_gb * 1e9, p.kv_gb * 1e9, $vram_bytes, $reserve_bytes)::INTEGER
           AS batch_problems
FROM (SELECT unnest($plans::STRUCT(model VARCHAR, setting INTEGER, waves INTEGER, wave_n INTEGER, resident_gb DOUBLE,
                                   kv_gb DOUBLE)[], recursive := true)) p;

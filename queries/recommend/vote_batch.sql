-- requires: pricing/seconds
-- Problems decoded together in the throughput regime for the plans of a voting strategy ($plans: model, setting,
-- waves, wave_n, resident_gb, kv_gb of costmodel.plan), by the pricing layer's pricing_batch_problems, under
-- $vram_bytes and $reserve_bytes: recommend_points.batch_problems for majority and majority-budget
-- (kinetics_sql.recommend).
SELECT p.model, p.setting,
       pricing_batch_problems({'waves': p.waves, 'wave_n': p.wave_n, 'resident_bytes': p.resident_gb * 1e9,
                               'kv_bytes': p.kv_gb * 1e9},
                              {'vram_bytes': $vram_bytes::DOUBLE, 'reserve_bytes': $reserve_bytes::DOUBLE})::INTEGER
           AS batch_problems
FROM (SELECT unnest($plans::STRUCT(model VARCHAR, setting INTEGER, waves INTEGER, wave_n INTEGER, resident_gb DOUBLE,
                                   kv_gb DOUBLE)[], recursive := true)) p;

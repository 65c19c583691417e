-- kinetics-sql recommend (kinetics_sql.recommend): per arm and problem, accuracy and the cost in both regimes,
-- filled once per (task, strategy) under the request's pricing context (queries/recommend/points.sql).
CREATE OR REPLACE TEMP TABLE recommend_points (
    task VARCHAR, strategy VARCHAR, model VARCHAR, method VARCHAR, budget INTEGER, block_size INTEGER, config VARCHAR,
    setting INTEGER, problem_id VARCHAR, accuracy DOUBLE,
    latency_s DOUBLE,        -- predicted seconds of the problem, one problem at a time (= frontier --cost latency)
    throughput_s DOUBLE,     -- GPU-seconds of the problem at the batch of problems that fits
    usd_latency DOUBLE,      -- USD per 1,000 problems like it, latency regime (= frontier --cost dollars)
    usd_throughput DOUBLE,   -- and throughput regime (= frontier --cost dollars-throughput); NULL without a price
    k_layers INTEGER, layers INTEGER, waves INTEGER, wave_n INTEGER, batch_problems INTEGER, trials BIGINT,
    lin_defaulted BIGINT     -- trials priced with the default prompt length (pricing_default_prompt_tokens())
);

-- Block top-k's per-batch KV sums of the selection in recommend_trials (queries/recommend/block_kv.sql fills it, one
-- batch size at a time, as plans need them): emptied whenever the trials are summed anew.
CREATE OR REPLACE TEMP TABLE recommend_block_kv (
    model VARCHAR, config VARCHAR, setting_key INTEGER, problem_id VARCHAR, lin_key BIGINT, seqs INTEGER, kv DOUBLE
);

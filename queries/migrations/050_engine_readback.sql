-- What the engine actually did, read back from it by the runner (issue 10), and checkpoints of one
-- long generation. A record with gen_tokens < generation_tokens is a checkpoint: decode_s is the
-- cumulative time of the first gen_tokens decode steps of a generation that went on to
-- generation_tokens. offload_bytes is the offload the engine took; offload_requested_bytes what the
-- run asked for (they differ when an engine ignores the request).
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS generation_tokens INTEGER;
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS gpu_weight_bytes BIGINT;
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS offload_requested_bytes BIGINT;
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS kv_cache_tokens BIGINT;
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS attention_backend VARCHAR;
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS cuda_graphs BOOLEAN;

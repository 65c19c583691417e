-- The tensor_parallel_size a measurement ran with, as the engine reports it (vLLM's parallel config);
-- NULL in records that predate the field (one GPU).
ALTER TABLE measurements ADD COLUMN IF NOT EXISTS tensor_parallel_size INTEGER;

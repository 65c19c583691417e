-- Measured latency of real engines (runners/: llama.cpp, torch, vLLM) and of attention kernels.
-- Loaded by ingest/measurements.py from the runners' JSONL records; `source` names the file,
-- so re-ingesting a file replaces its rows.

-- One timed generation: `batch` sequences, a prompt of prompt_tokens, gen_tokens decode steps.
-- Offload: layers_offloaded of n_layers keep their weights in host memory; offload_bytes are those
-- weights' bytes, read once per forward pass, by the CPU (offload_mode = 'cpu_compute', llama.cpp
-- n_gpu_layers) or over PCIe to the GPU (offload_mode = 'stream', torch / vLLM cpu_offload_gb).
CREATE TABLE IF NOT EXISTS measurements (
    source               VARCHAR,            -- the ingested file (NULL for rows inserted directly)
    run_id               VARCHAR NOT NULL,   -- one runner invocation (a sweep)
    seq                  INTEGER NOT NULL,   -- record index inside the run
    engine               VARCHAR NOT NULL,   -- llama.cpp | torch (CUDA graphs) | torch-eager | vllm
    engine_version       VARCHAR NOT NULL,
    device               VARCHAR NOT NULL,   -- torch.cuda.get_device_name() / NVML name, or 'cpu: <processor>'
    host                 VARCHAR NOT NULL,
    model                VARCHAR NOT NULL,   -- catalog name (models.name) or a toy model's name
    dtype                VARCHAR NOT NULL,
    n_layers             INTEGER NOT NULL,
    n_gpu_layers         INTEGER,            -- as the engine was given it (llama.cpp counts the output layer)
    layers_offloaded     INTEGER NOT NULL,   -- repeating layers whose weights live in host memory
    offload_mode         VARCHAR NOT NULL,   -- none | cpu_compute | stream
    offload_bytes        BIGINT NOT NULL,    -- bytes of host-resident weights used per forward pass
    weight_bytes         BIGINT,
    batch                INTEGER NOT NULL,
    prompt_tokens        INTEGER NOT NULL,
    gen_tokens           INTEGER NOT NULL,
    prefill_batch        INTEGER,            -- prompt tokens per forward pass
    prefill_s            DOUBLE NOT NULL,
    decode_s             DOUBLE NOT NULL,    -- the gen_tokens decode steps
    total_s              DOUBLE NOT NULL,
    tokens_per_s         DOUBLE NOT NULL,    -- batch * gen_tokens / decode_s
    prefill_tokens_per_s DOUBLE,
    peak_vram_bytes      BIGINT,
    attention            VARCHAR NOT NULL,   -- dense | blocktopk | ...
    budget               INTEGER,
    block_size           INTEGER,
    "repeat"             INTEGER NOT NULL,
    timing_source        VARCHAR,            -- llama_perf_context | cuda_synchronize+perf_counter | ...
    command              VARCHAR NOT NULL,   -- the exact command that produced the record
    "timestamp"          TIMESTAMPTZ NOT NULL,
    extra                JSON                -- engine settings (threads, n_ctx, flash_attn, h2d bandwidth, ...)
);

-- One decode step of attention alone (runners/attention.py).
CREATE TABLE IF NOT EXISTS attention_bench (
    source               VARCHAR,
    run_id               VARCHAR NOT NULL,
    seq                  INTEGER NOT NULL,
    engine_version       VARCHAR NOT NULL,
    device               VARCHAR NOT NULL,
    host                 VARCHAR NOT NULL,
    model                VARCHAR,            -- whose shapes
    method               VARCHAR NOT NULL,   -- dense | blocktopk
    impl                 VARCHAR NOT NULL,   -- sdpa_flash | sdpa_efficient | sdpa_cudnn | torch_gather ...
    dtype                VARCHAR NOT NULL,
    batch                INTEGER NOT NULL,
    context              INTEGER NOT NULL,   -- KV tokens in the cache
    hq                   INTEGER NOT NULL,
    hkv                  INTEGER NOT NULL,
    head_dim             INTEGER NOT NULL,
    budget               INTEGER,            -- KV tokens attended (block_size * topk_blocks)
    block_size           INTEGER,
    topk_blocks          INTEGER,
    time_s               DOUBLE NOT NULL,    -- median time of one step
    bytes_moved          BIGINT NOT NULL,    -- fewest bytes the method must move
    bytes_per_s          DOUBLE NOT NULL,
    roofline_bytes_per_s DOUBLE,             -- datasheet HBM bandwidth of the device
    roofline_fraction    DOUBLE,
    speedup_vs_dense     DOUBLE,             -- fastest dense impl at the same batch and context / this
    max_rel_error        DOUBLE,             -- against a float64 reference on the same inputs
    "repeat"             INTEGER NOT NULL,
    timing_source        VARCHAR,
    command              VARCHAR NOT NULL,
    "timestamp"          TIMESTAMPTZ NOT NULL,
    extra                JSON
);

-- Catalog: models and hardware profiles. Seeded from kinetics_sql/data on every open.
CREATE TABLE IF NOT EXISTS models (
    name              VARCHAR PRIMARY KEY,
    family            VARCHAR NOT NULL,
    hf_repo           VARCHAR,
    params            DOUBLE NOT NULL,   -- computed from the architecture
    params_kinetics   DOUBLE,            -- the count the Kinetics tables were computed with
    layers            INTEGER NOT NULL,
    hidden            INTEGER NOT NULL,
    hq                INTEGER NOT NULL,
    hkv               INTEGER NOT NULL,
    head_dim          INTEGER NOT NULL,
    intermediate      INTEGER NOT NULL,
    vocab             INTEGER NOT NULL,
    tied_embeddings   BOOLEAN NOT NULL,
    attention_bias    BOOLEAN NOT NULL,
    qk_norm           BOOLEAN NOT NULL,
    embedding_params  DOUBLE NOT NULL,
    layer_params      DOUBLE NOT NULL,   -- parameters of one transformer layer
    max_position      INTEGER,
    kv_bytes_per_token BIGINT NOT NULL,  -- bf16 K and V, all layers
    builtin           BOOLEAN NOT NULL DEFAULT false,
    config            VARCHAR            -- the config.json it came from
);

CREATE TABLE IF NOT EXISTS hardware (
    name                 VARCHAR PRIMARY KEY,
    peak_flops           DOUBLE NOT NULL,   -- dense bf16 FLOP/s
    hbm_bytes_per_s      DOUBLE NOT NULL,
    vram_bytes           DOUBLE,
    link_bytes_per_s     DOUBLE,            -- host-to-device (PCIe) bytes/s
    host_mem_bytes_per_s DOUBLE,            -- host DRAM bytes/s (CPU-computed offloaded layers)
    notes                VARCHAR,
    builtin              BOOLEAN NOT NULL DEFAULT false
);

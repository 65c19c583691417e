-- Fitted hardware coefficients (`kinetics-sql fit`): measured latency of one engine on one device
--   T = a*compute + b*hbm_bytes + c*link_bytes + t0         (form 'plain', non-negative least squares)
-- so that i_gpu = b/a and i_link = c/a are fitted rather than taken from datasheets.
-- Richer forms keep every coefficient in `coefs` (JSON: feature name -> seconds per unit, per target).
-- Features are defined in queries/fit/macros.sql and documented in the README ("Fitting").
CREATE TABLE IF NOT EXISTS coefficients (
    fit_id        VARCHAR PRIMARY KEY,      -- engine|device|form|fitted_at hash
    engine        VARCHAR NOT NULL,         -- llama.cpp | torch | vllm
    device        VARCHAR NOT NULL,         -- the recorded device name(s) the fit used, '; '-joined
    device_query  VARCHAR NOT NULL,         -- what --device matched (case-insensitive substring)
    hardware      VARCHAR,                  -- the hardware profile the device is (h100-sxm), where known
    form          VARCHAR NOT NULL,         -- plain | split
    weighting     VARCHAR NOT NULL,         -- relative (minimise relative error) | absolute
    a             DOUBLE NOT NULL,          -- seconds per FLOP (decode compute)
    b             DOUBLE NOT NULL,          -- seconds per byte read from HBM
    c             DOUBLE NOT NULL,          -- seconds per byte of offload traffic
    t0            DOUBLE NOT NULL,          -- seconds per run (intercepts summed)
    i_gpu         DOUBLE,                   -- b / a (NULL when a = 0)
    i_link        DOUBLE,                   -- c / a (NULL when a = 0)
    coefs         JSON NOT NULL,            -- every fitted coefficient: {target: {feature: value}}
    n_points      INTEGER NOT NULL,         -- measurements used (train + hold-out)
    n_train       INTEGER NOT NULL,
    n_holdout     INTEGER NOT NULL,
    n_configs     INTEGER NOT NULL,         -- distinct configurations (repeats pooled)
    holdout       DOUBLE NOT NULL,          -- fraction of configurations held out
    seed          INTEGER NOT NULL,
    r2            DOUBLE,                   -- on the training points
    mape          DOUBLE,                   -- mean |pred - T| / T on the training points (fraction)
    r2_holdout    DOUBLE,                   -- on the held-out configurations
    mape_holdout  DOUBLE,
    models        VARCHAR[],                -- models in the fit
    run_ids       VARCHAR[],                -- runner invocations (measurements.run_id) used
    fitted_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

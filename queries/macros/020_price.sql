-- Dollars from GPU-seconds: gpu_seconds per problem x gpus x price per GPU-hour / 3600, per 1,000 problems.
-- One multiplier for the GPU count (a configuration spread over `gpus` GPUs pays for all of them).
CREATE OR REPLACE TEMP MACRO usd_per_1000(gpu_seconds, price_per_hour, gpus := 1) AS
    1000.0 * gpu_seconds * gpus * price_per_hour / 3600.0;

-- A profile's price per GPU-hour; a profile without one raises an error that says how to set it.
CREATE OR REPLACE TEMP MACRO hardware_price(hardware_name) AS (
    SELECT coalesce(max(price_per_hour),
                    error('hardware ' || hardware_name || ' has no price: set one with `kinetics-sql hardware add '
                          || hardware_name || ' --price-per-hour USD`'))
    FROM hardware WHERE name = hardware_name
);

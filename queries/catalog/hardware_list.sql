-- `kinetics-sql hardware`: the hardware profiles with Kinetics' intensity i = 2 * peak / HBM bytes/s and
-- the price per GPU-hour (USD) with its source.
SELECT
    name, peak_flops, hbm_bytes_per_s, vram_bytes, link_bytes_per_s, host_mem_bytes_per_s, interconnect_bytes_per_s,
    2 * peak_flops / hbm_bytes_per_s AS i,
    price_per_hour, notes, price_source,
    CASE WHEN builtin THEN 'built-in' WHEN overrides_builtin THEN 'user (overrides built-in)' ELSE 'user' END AS origin
FROM hardware
ORDER BY peak_flops DESC;

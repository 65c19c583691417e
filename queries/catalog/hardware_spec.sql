-- Hardware profile $name in the field order of kinetics_sql.catalog.HardwareSpec.
SELECT name, peak_flops, hbm_bytes_per_s, vram_bytes, link_bytes_per_s, host_mem_bytes_per_s, coalesce(notes, '') AS notes,
       price_per_hour, price_source
FROM hardware WHERE name = $name;

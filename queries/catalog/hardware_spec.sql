-- Hardware profile $name with the fields of kinetics_sql.catalog.HardwareSpec (by name).
SELECT name, peak_flops, hbm_bytes_per_s, vram_bytes, link_bytes_per_s, host_mem_bytes_per_s, coalesce(notes, '') AS notes,
       interconnect_bytes_per_s, price_per_hour, price_source
FROM hardware WHERE name = $name;

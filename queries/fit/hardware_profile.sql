-- One hardware profile ($name).
SELECT name, peak_flops, hbm_bytes_per_s, vram_bytes, link_bytes_per_s, host_mem_bytes_per_s, interconnect_bytes_per_s
FROM hardware WHERE name = $name;

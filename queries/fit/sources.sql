-- Measurement files (measurements.source) per engine and device, for catalog models only.
SELECT x.engine, x.device, x.source, count(*) AS measurements
FROM measurements x JOIN models m ON lower(m.name) = lower(x.model)
GROUP BY ALL
ORDER BY x.engine, x.device, x.source;

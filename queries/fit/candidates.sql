-- Engines and devices that have measurements, with counts (for `fit` error messages and listings).
SELECT engine, device, count(*) AS measurements, count(DISTINCT model) AS models,
       count(*) FILTER (WHERE lower(model) IN (SELECT lower(name) FROM models)) AS catalog_measurements
FROM measurements
GROUP BY ALL
ORDER BY engine, device;

-- Stored fits, newest first ($engine: one engine, or NULL for all).
SELECT fitted_at, engine, hardware, device, form, weighting, n_points, n_holdout, r2, mape, r2_holdout,
       mape_holdout, a, b, c, t0, i_gpu, i_link, fit_id
FROM coefficients
WHERE $engine IS NULL OR lower(engine) = lower($engine)
ORDER BY fitted_at DESC;

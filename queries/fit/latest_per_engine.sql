-- The newest stored fit of every engine (on $hardware, or any where $hardware = '').
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY lower(engine) ORDER BY fitted_at DESC, fit_id) AS rn
    FROM coefficients
    WHERE $hardware = '' OR lower(coalesce(hardware, '')) = lower($hardware)
)
WHERE rn = 1
ORDER BY engine;

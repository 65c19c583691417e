-- A stored fit identical to the one about to be stored (same engine, device, form, weighting, hardware, points and
-- coefficients): `kinetics-sql fit` run twice stores it once.
SELECT fit_id FROM coefficients
WHERE engine = $engine AND device = $device AND form = $form AND weighting = $weighting
  AND hardware IS NOT DISTINCT FROM $hardware AND coefs = $coefs
  AND n_points = $n_points AND n_train = $n_train AND n_holdout = $n_holdout
  AND holdout IS NOT DISTINCT FROM $holdout AND seed IS NOT DISTINCT FROM $seed
ORDER BY fitted_at
LIMIT 1;

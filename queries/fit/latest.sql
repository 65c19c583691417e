-- The newest fit of an engine on a device or hardware profile (case-insensitive engine; $device is
-- matched against the fit's hardware profile exactly, or as a substring of its device name).
-- $form: a form name, or '' for any form that frontier costs price (plain, split).
SELECT *
FROM coefficients
WHERE lower(engine) = lower($engine)
  AND (lower(coalesce(hardware, '')) = lower($device) OR contains(lower(device), lower($device)))
  AND (($form = '' AND form IN ('plain', 'split')) OR form = $form)
ORDER BY fitted_at DESC, fit_id
LIMIT 1;

-- `kinetics-sql fit --source`: the measurement files (measurements.source) a fit was restricted to.
ALTER TABLE coefficients ADD COLUMN IF NOT EXISTS sources VARCHAR[];

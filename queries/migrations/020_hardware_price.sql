-- Dollars: the price of one GPU-hour of a hardware profile (on-demand, USD) and where it comes from
-- (`kinetics-sql hardware add NAME --price-per-hour P --price-source S`; built-in defaults in
-- kinetics_sql/data/hardware.csv with their source and date).
ALTER TABLE hardware ADD COLUMN IF NOT EXISTS price_per_hour DOUBLE;
ALTER TABLE hardware ADD COLUMN IF NOT EXISTS price_source VARCHAR;

-- The price per GPU-hour (USD) of hardware profile $name and where it comes from.
SELECT price_per_hour, price_source FROM hardware WHERE name = $name;

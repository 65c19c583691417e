-- The hardware profiles with a price per GPU-hour (`recommend --hardware all` compares them), cheapest first.
SELECT name FROM hardware WHERE price_per_hour IS NOT NULL ORDER BY price_per_hour, name;

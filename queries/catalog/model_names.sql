-- Catalog model names, smallest first.
SELECT name FROM models ORDER BY params, name;

-- Parameter counts of the catalog's models: the naive choice beside a recommendation is the largest that fits.
SELECT name AS model, params FROM models;

-- Parameter count of every catalog model in billions (the Kinetics count where it differs), for figure 3's sizes.
SELECT name AS model, coalesce(params_kinetics, params) / 1e9 AS params_b FROM models;

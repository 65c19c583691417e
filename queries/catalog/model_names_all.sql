-- Every catalog model name (measurements must name one).
SELECT name FROM models;

-- Hardware profile names, alphabetically.
SELECT name FROM hardware ORDER BY name;

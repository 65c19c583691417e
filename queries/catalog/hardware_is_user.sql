-- A profile named $name that the user added or replaced (`kinetics-sql hardware add`): seeding keeps it.
SELECT 1 FROM hardware WHERE name = $name AND NOT builtin;

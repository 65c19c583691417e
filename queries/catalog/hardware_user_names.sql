-- Profiles the user added or replaced (`kinetics-sql hardware add`): seeding the built-ins keeps them.
SELECT name FROM hardware WHERE NOT builtin;

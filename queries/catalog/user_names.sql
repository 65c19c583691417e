-- Lower-cased names of the user's rows (added, or overriding a built-in) of {table}: seeding the built-ins keeps them.
SELECT lower(name) FROM {table} WHERE NOT builtin;

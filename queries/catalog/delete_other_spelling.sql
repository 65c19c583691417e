-- Before storing $name in {table}: drop a row of the same name in another letter case (one entry per name).
DELETE FROM {table} WHERE lower(name) = lower($name) AND name <> $name;

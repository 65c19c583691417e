-- The catalog's spelling of hardware profile $name, matched case-insensitively.
SELECT name FROM hardware WHERE lower(name) = lower($name);

-- A user entry that replaces a built-in model or hardware profile (same name, case-insensitive) is kept
-- across opens (built-ins are seeded only where no user row has the name) and listed as an override.
ALTER TABLE models ADD COLUMN IF NOT EXISTS overrides_builtin BOOLEAN DEFAULT false;
ALTER TABLE hardware ADD COLUMN IF NOT EXISTS overrides_builtin BOOLEAN DEFAULT false;

-- Drop the stored table macro {macro} (migration 061: macros are created on open).
DROP MACRO TABLE IF EXISTS {macro};

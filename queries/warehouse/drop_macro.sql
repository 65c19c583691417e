-- Drop the stored scalar macro {macro} (migration 061: macros are created on open).
DROP MACRO IF EXISTS {macro};

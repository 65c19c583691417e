-- Restore a backup folder {path} written by queries/warehouse/export_database.sql into an empty database.
IMPORT DATABASE {path};

-- Record one applied migration ($version, $name).
INSERT INTO schema_version (version, name) VALUES ($version, $name);

-- Insert the registered Arrow rows (_ingest_rows) into {table}, matching columns by name.
INSERT INTO {table} BY NAME SELECT * FROM _ingest_rows

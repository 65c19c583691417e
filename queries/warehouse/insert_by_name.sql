-- Insert the registered Arrow rows (_insert_rows) into {table}, matching columns by name.
INSERT INTO {table} BY NAME SELECT * FROM _insert_rows

-- Insert or replace (by primary key) the registered Arrow rows (_insert_rows) in {table}, matching columns by name.
INSERT OR REPLACE INTO {table} BY NAME SELECT * FROM _insert_rows

-- Store the file-name facts of sources (the registered rows source_facts_rows: source, local_window, run_index,
-- answer_table; kinetics_sql.facts.kinetics_names.source_facts) on their rows of {table}.
UPDATE {table} AS t
SET local_window = f.local_window, run_index = f.run_index, answer_table = f.answer_table
FROM source_facts_rows AS f
WHERE t.source = f.source;

-- Facts of a source's file name, stored once at ingest (kinetics_sql.facts.kinetics_names.source_facts, the one
-- parser of the Kinetics file-name grammar) so that SQL never reads a file name: the local window of a sparse
-- configuration (local128_topk128 -> 128), the index of a repeated run (local128_topk32_1 -> 1) and whether the
-- source is a Best-of-Infinity answer table. Rows ingested before this migration are filled by
-- kinetics_sql.warehouse (BACKFILLS) in the same transaction.
ALTER TABLE problems ADD COLUMN IF NOT EXISTS local_window INTEGER;
ALTER TABLE problems ADD COLUMN IF NOT EXISTS run_index INTEGER;
ALTER TABLE problems ADD COLUMN IF NOT EXISTS answer_table BOOLEAN;
ALTER TABLE trials ADD COLUMN IF NOT EXISTS local_window INTEGER;
ALTER TABLE trials ADD COLUMN IF NOT EXISTS run_index INTEGER;
ALTER TABLE trials ADD COLUMN IF NOT EXISTS answer_table BOOLEAN;
ALTER TABLE trial_budgets ADD COLUMN IF NOT EXISTS local_window INTEGER;
ALTER TABLE trial_budgets ADD COLUMN IF NOT EXISTS run_index INTEGER;
ALTER TABLE trial_budgets ADD COLUMN IF NOT EXISTS answer_table BOOLEAN;
ALTER TABLE published_costs ADD COLUMN IF NOT EXISTS local_window INTEGER;
ALTER TABLE published_costs ADD COLUMN IF NOT EXISTS run_index INTEGER;
ALTER TABLE published_costs ADD COLUMN IF NOT EXISTS answer_table BOOLEAN;

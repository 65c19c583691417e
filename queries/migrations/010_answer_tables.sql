-- Per-sample answer tables (Best-of-Infinity): each trial's extracted answer and whether it hit the
-- generation limit; each problem's limit. Majority-vote accuracy estimates computed at ingest.
ALTER TABLE trials ADD COLUMN IF NOT EXISTS answer VARCHAR;       -- extracted answer, normalised as the source did; NULL: none
ALTER TABLE trials ADD COLUMN IF NOT EXISTS hit_limit BOOLEAN;    -- generation stopped at the token limit
ALTER TABLE problems ADD COLUMN IF NOT EXISTS gen_limit INTEGER;  -- max new tokens the source allowed

-- Majority vote (self-consistency) accuracy of N samples drawn without replacement from a problem's
-- samples, each sample capped at gen_budget tokens (NULL: uncapped; a capped sample that ran longer
-- has no answer). Unbiased estimate over `replicates` random orders (queries/strategies/majority_build.sql);
-- accuracy_se is its standard error. Exact (se 0) where the answer counts make it closed-form.
CREATE TABLE IF NOT EXISTS majority_votes (
    source       VARCHAR NOT NULL,
    task         VARCHAR NOT NULL,
    model        VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,
    budget       INTEGER,
    block_size   INTEGER,
    problem_id   VARCHAR NOT NULL,
    n            INTEGER NOT NULL,     -- samples voting
    gen_budget   INTEGER,              -- per-sample token cap; NULL: none
    accuracy     DOUBLE NOT NULL,
    accuracy_se  DOUBLE NOT NULL,
    replicates   INTEGER NOT NULL      -- 0: exact
);

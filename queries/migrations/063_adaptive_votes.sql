-- Adaptive voting over answer tables (kinetics_sql.adaptive, built at ingest of an answer table): per problem and
-- stopping rule, the accuracy and the expected number of samples drawn, unbiased over `replicates` random orders
-- (standard errors beside them), and the per-sample weights that price the rule on the problem's own lengths.
CREATE TABLE IF NOT EXISTS adaptive_votes (
    source          VARCHAR NOT NULL,
    task            VARCHAR NOT NULL,
    model           VARCHAR NOT NULL,
    method          VARCHAR NOT NULL,
    budget          INTEGER,
    block_size      INTEGER,
    problem_id      VARCHAR NOT NULL,
    rule            VARCHAR NOT NULL,   -- margin: stop when the leader is `setting` votes ahead; esc: a unanimous window of `setting`
    setting         INTEGER NOT NULL,   -- K (margin) or the window w (esc)
    batch           INTEGER NOT NULL,   -- samples drawn together before the rule looks (esc: the window)
    max_n           INTEGER,            -- at most this many samples; NULL: all of the table
    accuracy        DOUBLE NOT NULL,
    accuracy_se     DOUBLE NOT NULL,
    mean_samples    DOUBLE NOT NULL,
    mean_samples_se DOUBLE NOT NULL,
    replicates      INTEGER NOT NULL,   -- random orders behind the estimates; 0: exact (every sample the same answer)
    drawn           DOUBLE[] NOT NULL,  -- drawn[trial + 1]: P(that sample is drawn)
    longest         DOUBLE[]            -- longest[trial + 1]: expected batches drawn whose longest sample it is; NULL: batch 1 (= drawn)
);

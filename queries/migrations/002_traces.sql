-- Reasoning traces and published trade-off tables (filled by `kinetics-sql ingest`).
-- budget: total KV budget in tokens (local + topk, or local + block_size * block_topk); NULL for dense.
CREATE TABLE IF NOT EXISTS ingest_log (
    source        VARCHAR NOT NULL,     -- file name or hub path
    path          VARCHAR,              -- where it was read from
    content_hash  VARCHAR NOT NULL,     -- sha256 of the bytes
    format        VARCHAR NOT NULL,
    rows          JSON,                 -- row counts per table
    options       JSON,
    ingested_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (source)
);

CREATE TABLE IF NOT EXISTS ingest_issues (
    source      VARCHAR NOT NULL,
    problem_id  VARCHAR,
    message     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS problems (
    source        VARCHAR NOT NULL,
    task          VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,
    method        VARCHAR NOT NULL,     -- dense | topk | blocktopk | window
    budget        INTEGER,
    block_size    INTEGER,
    problem_id    VARCHAR NOT NULL,
    n_samples     INTEGER NOT NULL,
    n_correct     INTEGER,
    prompt_tokens INTEGER,
    gold_answer   VARCHAR,
    question      VARCHAR
);

CREATE TABLE IF NOT EXISTS trials (
    source        VARCHAR NOT NULL,
    task          VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,
    method        VARCHAR NOT NULL,
    budget        INTEGER,
    block_size    INTEGER,
    problem_id    VARCHAR NOT NULL,
    trial         INTEGER NOT NULL,     -- 0-based index of the sampled trial
    prompt_tokens INTEGER,
    gen_tokens    INTEGER NOT NULL,
    correct       BOOLEAN               -- NULL where the source does not say
);

CREATE TABLE IF NOT EXISTS trial_budgets (
    source        VARCHAR NOT NULL,
    task          VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,
    method        VARCHAR NOT NULL,
    budget        INTEGER,
    block_size    INTEGER,
    problem_id    VARCHAR NOT NULL,
    trial         INTEGER NOT NULL,
    gen_budget    INTEGER NOT NULL,     -- generation budget (max new tokens) the trace is cut to
    tokens_used   INTEGER NOT NULL,     -- least(gen_tokens, gen_budget)
    correct       BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS published_costs (
    source        VARCHAR NOT NULL,
    task          VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,
    method        VARCHAR NOT NULL,
    budget        INTEGER,
    block_size    INTEGER,
    problem_id    VARCHAR NOT NULL,
    n             INTEGER NOT NULL,     -- N of best-of-N
    coverage      DOUBLE NOT NULL,
    compute_cost  DOUBLE NOT NULL,      -- Tera-FLOPs (1e12), as published
    memory_cost   DOUBLE NOT NULL,      -- Tera-eFLOPs of KV reads (i = 562.5)
    total_cost    DOUBLE NOT NULL
);

-- Tasks with trials (best-of-N) or truncated traces (long CoT), for the explorer's task selector.
SELECT DISTINCT task FROM problems UNION SELECT DISTINCT task FROM trial_budgets ORDER BY 1;

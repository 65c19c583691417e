-- requires: macros/003_catalog
-- Cost of one configuration for each requested trial length, plus their mean when there are
-- several (row 'mean', lout NULL: the mean cost over the lengths, not the cost of the mean length).
-- seconds: the datasheet roofline (compute / peak + KV bytes / HBM); kinetics_seconds: the paper's eFLOPs time
-- (eFLOPs / (i * HBM), the Kinetics figures' "B200 seconds" = Tera-eFLOPs / 4500 on the B200).
WITH rows AS (
    SELECT c.*
    FROM unnest($louts::BIGINT[]) AS l(lout),
         model_cost($model, $hardware, $method, $lin, l.lout, $n,
                    budget := $budget, block_size := $block_size, variant := $variant,
                    param_count := $param_count) AS c
)
SELECT model, hardware, method, budget, block_size, variant, params, lin, 'trial' AS row, lout::BIGINT AS lout, n,
       compute_flops, kv_reads, eflops, eflops_tera, seconds, kinetics_seconds
FROM rows
UNION ALL
SELECT any_value(model), any_value(hardware), any_value(method), any_value(budget), any_value(block_size),
       any_value(variant), any_value(params), any_value(lin), 'mean', NULL, any_value(n),
       avg(compute_flops), avg(kv_reads), avg(eflops), avg(eflops_tera), avg(seconds), avg(kinetics_seconds)
FROM rows
HAVING count(*) > 1;

-- requires: macros/040_tensor_parallel
-- `kinetics-sql cost --gpus T` (T > 1): one configuration on T GPUs in tensor parallel, per GPU (model_cost_tp in
-- queries/macros/040_tensor_parallel.sql), for each requested trial length, plus their mean when there are several
-- (row 'mean', lout NULL).
WITH rows AS (
    SELECT c.*
    FROM unnest($louts::INTEGER[]) AS l(lout),
         model_cost_tp($model, $hardware, $method, $lin, l.lout, $n, gpus := $gpus,
                       budget := $budget, block_size := $block_size, variant := $variant,
                       param_count := $param_count) AS c
)
SELECT model, hardware, gpus, method, budget, block_size, variant, params, lin, 'trial' AS row, lout::BIGINT AS lout, n,
       compute_flops, kv_reads, comm_bytes, eflops, eflops_tera, seconds, kinetics_seconds, gpu_seconds,
       weight_bytes_per_gpu,
       kv_bytes_per_gpu, vram_bytes_per_gpu
FROM rows
UNION ALL
SELECT any_value(model), any_value(hardware), any_value(gpus), any_value(method), any_value(budget),
       any_value(block_size), any_value(variant), any_value(params), any_value(lin), 'mean', NULL, any_value(n),
       avg(compute_flops), avg(kv_reads), avg(comm_bytes), avg(eflops), avg(eflops_tera), avg(seconds),
       avg(kinetics_seconds),
       avg(gpu_seconds), any_value(weight_bytes_per_gpu), avg(kv_bytes_per_gpu), any_value(vram_bytes_per_gpu)
FROM rows
HAVING count(*) > 1;

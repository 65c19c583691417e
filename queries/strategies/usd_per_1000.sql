-- requires: macros/020_price
-- USD per 1,000 problems of $seconds per problem on $gpus GPUs of $hardware at its price per GPU-hour (NULL: no
-- price), the latency regime's dollars (kinetics_sql.compare_adaptive).
SELECT usd_per_1000($seconds::DOUBLE, hardware_price($hardware), gpus := $gpus) AS usd;

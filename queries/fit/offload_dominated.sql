-- Per model: how many of its arms are offloaded under the VRAM limit, how many of those another
-- model dominates, over which cost range, and by which models. all_offloaded_dominated: every
-- offloaded arm of the model is dominated (the Kinetics++ finding for models that do not fit).
WITH arms AS (
    SELECT * FROM offload_arms_result
)
SELECT model,
       count(*) AS arms,
       count(*) FILTER (WHERE offloaded) AS offloaded_arms,
       max(k) AS max_layers_offloaded,
       any_value(layers) AS layers,
       count(*) FILTER (WHERE offloaded AND dominated_by IS NOT NULL) AS offloaded_dominated,
       count(*) FILTER (WHERE NOT offloaded AND dominated_by IS NOT NULL) AS resident_dominated,
       count(*) FILTER (WHERE NOT offloaded) AS resident_arms,
       count(*) FILTER (WHERE offloaded) > 0
           AND count(*) FILTER (WHERE offloaded) = count(*) FILTER (WHERE offloaded AND dominated_by IS NOT NULL)
           AS all_offloaded_dominated,
       min(cost) FILTER (WHERE offloaded AND dominated_by IS NOT NULL) AS dominated_cost_from,
       max(cost) FILTER (WHERE offloaded AND dominated_by IS NOT NULL) AS dominated_cost_to,
       min(seconds) FILTER (WHERE offloaded AND dominated_by IS NOT NULL) AS dominated_seconds_from,
       max(seconds) FILTER (WHERE offloaded AND dominated_by IS NOT NULL) AS dominated_seconds_to,
       string_agg(DISTINCT dominated_by_model, ', ' ORDER BY dominated_by_model)
           FILTER (WHERE offloaded AND dominated_by IS NOT NULL) AS dominated_by_models,
       max(accuracy) FILTER (WHERE offloaded) AS best_offloaded_accuracy,
       max(accuracy) FILTER (WHERE NOT offloaded) AS best_resident_accuracy
FROM arms
GROUP BY model
ORDER BY min(cost);

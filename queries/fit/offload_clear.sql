-- Empty the offload scratch tables before a new plan is written (kinetics_sql.costmodel.write_plan).
DELETE FROM offload_context;
DELETE FROM offload_plan;

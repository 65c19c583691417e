-- bench frontier: the materialised points ({table}, from frontier.points_table) the notebook baseline reads.
SELECT problem_id, config, setting, accuracy, cost FROM {table};

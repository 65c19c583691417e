-- bench scale: the long-CoT budget rows of the generated corpus (registered as the relation lc).
INSERT INTO trial_budgets BY NAME SELECT * FROM lc;

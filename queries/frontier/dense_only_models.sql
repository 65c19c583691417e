-- Models of $task (best-of-N data, within $sources where given) with dense arms only, and the sources they come from:
-- compare sparse-vs-dense's 'all models' row pools them into the dense frontier that the sparse ones are measured by.
SELECT model, string_agg(DISTINCT source, ', ' ORDER BY source) AS sources
FROM problems
WHERE task = $task AND (len($sources) = 0 OR list_has_any([source], $sources) OR EXISTS (
        SELECT 1 FROM unnest($sources) s(pattern) WHERE source LIKE s.pattern))
  AND (len($models) = 0 OR list_contains($models, model))
GROUP BY model
HAVING bool_and(method = 'dense')
ORDER BY model;

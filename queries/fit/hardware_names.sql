-- Hardware profile names, built-in first, shortest first (for matching a recorded device name).
SELECT name FROM hardware ORDER BY builtin DESC, length(name), name;

"""SQL files (macros, migrations, frontier and report queries), loaded by name."""

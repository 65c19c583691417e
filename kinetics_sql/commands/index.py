# ruff: noqa: E501  (generated: one line per command)
"""The commands of `kinetics-sql`, named without importing them: `--help` and `--version` load no command module (so
no DuckDB, polars or pyarrow); a command's module is imported when the command runs (kinetics_sql.cli.Group).
tests/test_startup.py checks this index against the commands themselves: regenerate it with
`python -m kinetics_sql.commands.index` after changing a command's name or first sentence."""

from __future__ import annotations

# The command modules, in the order they add their commands.
MODULES = ("warehouse_cmds", "catalog_cmds", "cost_cmd", "ingest_cmd", "frontier_cmds", "fit_cmd", "recommend_cmd")
# (command, module under kinetics_sql.commands, its short help as click derives it from the docstring)
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ('init', 'warehouse_cmds', 'Create (or migrate) the warehouse and print its schema version and tables.'),
    ('sql', 'warehouse_cmds', "Run QUERY (or '-' to read it from standard input) against the warehouse and print the rows."),
    ('models', 'catalog_cmds', 'List the model catalog (params in billions; KV cache for 32K tokens in GiB).'),
    ('hardware', 'catalog_cmds', "List hardware profiles, with Kinetics' intensity i = 2 * peak / HBM bytes/s."),
    ('cost', 'cost_cmd', 'Cost of a configuration: compute FLOPs, KV reads, eFLOPs (raw and Tera) and seconds on --hardware.'),
    ('ingest', 'ingest_cmd', 'Load SOURCE files, folders or hf://datasets/... paths into the warehouse.'),
    ('export', 'ingest_cmd', "Write every data table of the warehouse as Parquet for Spark, Trino or DuckDB over object storage (--parquet: the samples (trials, problems, majority_votes, trial_budgets, published_costs) Hive-partitioned by task and model, the catalog, measurements, attention benchmarks, fits (coefficients) and logs as DIR/<table>/data.parquet), or back it up (--backup DIR: DuckDB's EXPORT DATABASE; a warehouse stores no macro, kinetics-sql creates them on every open, so IMPORT DATABASE of the folder, `kinetics-sql --db NEW.duckdb restore DIR`, restores every table and row)."),
    ('restore', 'ingest_cmd', "Restore a warehouse backed up with `kinetics-sql export --backup DIR` into the new file --db (DuckDB's IMPORT DATABASE; then migrated to this version if older)."),
    ('frontier', 'frontier_cmds', 'Accuracy-cost frontier, exact: one row per breakpoint of the step function, ordered by cost.'),
    ('compare', 'frontier_cmds', 'Headline comparisons of the paper.'),
    ('report', 'frontier_cmds', "Write every figure of the paper (1/3, 2/5/7, 4a-c, 6) and index.html with the key numbers, each next to the SQL that produced it; prints the headline numbers and the report's path."),
    ('fit', 'fit_cmd', "Fit latency = a*compute + b*hbm_bytes + c*link_bytes + t0 (non-negative least squares) to one engine's measurements on one device; store a, b, c, t0, i_gpu = b/a, i_link = c/a with R^2 and MAPE on the training points and on held-out configurations in the coefficients table."),
    ('coefficients', 'fit_cmd', 'List stored fits (newest first): engine, device, form, a, b, c, t0, i_gpu, i_link, R^2 and MAPE.'),
    ('recommend', 'recommend_cmd', 'The best DEPLOYABLE configuration (one setting for every problem: model, attention method and KV budget, N or generation budget, offload depth, engine) within ONE budget: --budget-s, --budget-dollars or --target-accuracy.'),
)


def render() -> str:
    """This module's text for the commands as they are (imports every command module)."""
    import importlib
    from pathlib import Path

    text = Path(__file__).read_text()
    start, end = text.index("COMMANDS: tuple"), text.index("\n)\n", text.index("COMMANDS: tuple")) + 3
    rows = []
    for module in MODULES:
        for cmd in importlib.import_module(f"kinetics_sql.commands.{module}").COMMANDS:
            rows.append(f"    ({cmd.name!r}, {module!r}, {cmd.get_short_help_str(10000)!r}),")
    body = "COMMANDS: tuple[tuple[str, str, str], ...] = (\n" + "\n".join(rows) + "\n)\n"
    return text[:start] + body + text[end:]


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).write_text(render())

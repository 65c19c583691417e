"""CLI commands, one module per family; each module exposes ``COMMANDS``."""

from __future__ import annotations

import importlib

import click

# Add a module name here to register its COMMANDS with the `kinetics-sql` group.
MODULES = ["warehouse_cmds", "catalog_cmds", "cost_cmd", "ingest_cmd", "frontier_cmds", "fit_cmd"]


def REGISTRY() -> list[click.Command]:
    found: list[click.Command] = []
    for name in MODULES:
        module = importlib.import_module(f"kinetics_sql.commands.{name}")
        found.extend(module.COMMANDS)
    return found

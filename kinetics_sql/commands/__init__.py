"""CLI commands, one module per family; each module exposes ``COMMANDS``, which ``kinetics_sql.cli`` registers.

Command modules import :mod:`kinetics_sql.commands.context` (the per-invocation state), never
``kinetics_sql.cli``, so each imports on its own.
"""

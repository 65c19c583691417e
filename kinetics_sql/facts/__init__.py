"""The facts every layer shares, each defined once, importing only the standard library.

Runners (on a GPU machine without DuckDB), ingest, the warehouse and the figures all import from
here; nothing here imports another part of kinetics_sql except :mod:`kinetics_sql.errors`.
"""

"""Ingest jobs: reasoning traces, published tables, trial tables and measurements into the warehouse."""

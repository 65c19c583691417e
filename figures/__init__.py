"""Altair figures; every figure is a spec over a query whose SQL ships beside it."""

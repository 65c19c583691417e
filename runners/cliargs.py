"""Command-line pieces the runners share: the argument parser of ``python -m kinetics_sql.runners.<name>`` and the
list syntaxes of their options (no engine imported: a runner's --help works on any machine)."""

from __future__ import annotations

import argparse


def parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """The parser of ``python -m kinetics_sql.runners.<name>``, the runner's module docstring as its description."""
    return argparse.ArgumentParser(prog=f"python -m kinetics_sql.runners.{name}", description=doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip


def ints(s: str) -> list[int]:
    """``1,2,4`` -> [1, 2, 4] (empty items skipped)."""
    return [int(x) for x in s.split(",") if x.strip()]


def runs(s: str) -> list[tuple[int, int, int]]:
    """``BxPxG,...`` (batch x prompt x gen) -> [(B, P, G), ...]."""
    out = []
    for part in s.split(","):
        if part.strip():
            b, p, g = (int(x) for x in part.lower().split("x"))
            out.append((b, p, g))
    return out

"""Command output in the docs, generated from a warehouse: ``python -m kinetics_sql.docrun [--check] [--db PATH]``.

A page holds blocks like::

    <!-- run: recommend --hardware rtx-4090 --budget-s 60 --task aime24 -->
    ```text
    $ kinetics-sql recommend --hardware rtx-4090 --budget-s 60 --task aime24
    (what the command printed)
    ```
    <!-- run:end -->

The text between the two comments is the command line and what it printed (standard output and error), run
through the CLI against the warehouse of ``make demo`` (the bundled tables and the committed measurements) at a
fixed terminal width.
Without ``--check`` the pages are rewritten; with it nothing is written and the exit status is 1 when a page
differs from what its commands print now (the test suite checks the same, so a number in the docs that comes
from the warehouse cannot drift from it). Without ``--db`` a temporary warehouse is built first
(``kinetics-sql ingest --bundled warehouse/measurements``, about a minute).
"""

from __future__ import annotations

import argparse
import functools
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from kinetics_sql.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
MEASUREMENTS = ROOT / "warehouse" / "measurements"
PROG = "kinetics-sql"
WIDTH = 120
REGENERATE = "python -m kinetics_sql.docrun"
BLOCK = re.compile(r"^<!-- run: (?P<args>.+?) -->\n(?P<body>.*?)^<!-- run:end -->$", re.M | re.S)


def run(db: str, args: str) -> str:
    """``kinetics-sql ARGS`` against ``db``: the command line and its standard output, as a fenced block."""
    argv = shlex.split(args)
    result = CliRunner().invoke(
        cli, ["--db", db, *argv], prog_name=PROG, terminal_width=WIDTH, env={"COLUMNS": str(WIDTH)}
    )
    if result.exit_code != 0:
        raise RuntimeError(f"`{PROG} {args}` failed (exit {result.exit_code}): {result.output}")
    out = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
    return f"```text\n$ {PROG} {args}\n{out}\n```\n"


def render(text: str, runner: Callable[[str], str]) -> str:
    """``text`` with the body of every run block replaced by what ``runner`` prints for its arguments."""
    return BLOCK.sub(lambda m: f"<!-- run: {m['args']} -->\n{runner(m['args'])}<!-- run:end -->", text)


def commands(text: str) -> list[str]:
    """The arguments of every run block of a page, in order."""
    return [m["args"] for m in BLOCK.finditer(text)]


def build_demo_warehouse(path: str) -> None:
    """The warehouse ``make demo`` builds: the bundled tables and the committed measurements."""
    result = CliRunner().invoke(cli, ["--db", path, "ingest", "-q", "--bundled", str(MEASUREMENTS)])
    if result.exit_code != 0:
        raise RuntimeError(f"building the demo warehouse failed: {result.output}")


def update(db: str, pages: tuple[Path, ...] = PAGES, check: bool = False) -> list[Path]:
    """Regenerate (or, with ``check``, compare) every page with run blocks; the pages that differ.

    Each page's commands run in order on a copy of ``db`` of its own (a page may add a hardware profile before
    it uses it), so ``db`` itself is never written.
    """
    stale: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, page in enumerate(pages):
            current = page.read_text()
            if not commands(current):
                continue
            copy = str(Path(tmp) / f"page{i}.duckdb")
            shutil.copyfile(db, copy)
            wanted = render(current, functools.partial(run, copy))
            if wanted != current:
                stale.append(page)
                if not check:
                    page.write_text(wanted)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", help="the demo warehouse (default: build one in a temporary folder)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is out of date")
    parser.add_argument("pages", nargs="*", type=Path, help="pages to update (default: README.md and docs/*.md)")
    args = parser.parse_args(argv)
    pages = tuple(args.pages) or PAGES
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = str(Path(tmp) / "demo.duckdb")
            build_demo_warehouse(db)
        stale = update(db, pages, check=args.check)
    for page in stale:
        verb = "differs from what its commands print; run `" + REGENERATE + "`" if args.check else "regenerated"
        print(f"{page}: {verb}", file=sys.stderr if args.check else sys.stdout)
    if not stale:
        print("the docs' command output matches the warehouse")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())

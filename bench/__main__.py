"""`python -m bench` (or `make bench`): run every bench/bench_*.py module's main() in turn.

Each benchmark measures ours against a baseline in the same run and prints medians and ratios;
`python -m bench NAME ...` runs only the named ones (e.g. `python -m bench macros`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a.removeprefix('bench_')}" for a in argv]
    for name in wanted:
        if name not in names:
            print(f"no benchmark {name}; have {', '.join(names)}", file=sys.stderr)
            return 2
    for name in wanted or names:
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"--- {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

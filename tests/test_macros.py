"""The cost macros (queries/macros/*.sql) against the independent Python reference.

Every randomised test draws a batch of cases and evaluates the whole batch in one SQL query over
an Arrow table registered as ``cases`` (integer arguments typed INT32, as DuckDB types integer
literals), then compares each row with tests/costmodel_reference.py to 1e-12 relative.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import costmodel_reference as ref
import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REL = 1e-12
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DATA = Path(str(resources.files("kinetics_sql").joinpath("data/kinetics-aime24")))


def close(got: float | None, want: float, rel: float = REL) -> bool:
    return got is not None and math.isfinite(got) and math.isclose(got, want, rel_tol=rel, abs_tol=0.0)


def run_cases(
    con: duckdb.DuckDBPyConnection, cases: list[dict[str, Any]], select: str, joins: str = ""
) -> list[tuple[Any, ...]]:
    """Evaluate ``select`` (expressions over the columns of ``cases``) for every case, in order.

    Python ints become INT32 columns (the type of a DuckDB integer literal), floats DOUBLE.
    """
    columns: dict[str, pa.Array] = {"idx": pa.array(range(len(cases)), pa.int32())}
    for key in cases[0]:
        values = [c[key] for c in cases]
        if all(isinstance(v, str) for v in values):
            columns[key] = pa.array(values, pa.string())
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            columns[key] = pa.array(values, pa.int32())
        else:
            columns[key] = pa.array([float(v) for v in values], pa.float64())
    con.register("cases", pa.table(columns))
    try:
        return con.execute(f"SELECT {select} FROM cases {joins} ORDER BY idx").fetchall()
    finally:
        con.unregister("cases")


Con = duckdb.DuckDBPyConnection
Cases = list[dict[str, Any]]
Rows = list[tuple[Any, ...]]


def sql_property(
    cases: st.SearchStrategy[Cases], select: str, joins: str = "", *, examples: int | None = None
) -> Callable[[Callable[[Con, Cases, Rows], None]], Callable[..., None]]:
    """A property test of SQL over drawn cases: for each list hypothesis draws from ``cases``, ``select`` (and
    ``joins``) evaluated by :func:`run_cases`, then the check gets the connection, the cases and their rows."""

    def wrap(check: Callable[[Con, Cases, Rows], None]) -> Callable[..., None]:
        def test(con: Con, cases: Cases) -> None:
            check(con, cases, run_cases(con, cases, select, joins))

        test.__name__, test.__qualname__, test.__doc__ = check.__name__, check.__qualname__, check.__doc__
        test.__module__ = check.__module__
        chosen = EXAMPLES if examples is None else settings(EXAMPLES, max_examples=examples)
        return chosen(given(cases=cases)(test))

    return wrap


def assert_rows(
    rows: Sequence[tuple[Any, ...]], wants: Sequence[tuple[float, ...]], cases: list[dict[str, Any]]
) -> None:
    assert len(rows) == len(wants)
    for row, want, case in zip(rows, wants, cases, strict=True):
        for j, (g, w) in enumerate(zip(row, want, strict=True)):
            assert close(g, w), f"column {j}: got {g!r}, want {w!r} for {case}"


# -- strategies ------------------------------------------------------------------------------


@st.composite
def budgets(draw: st.DrawFn, lin: int, lout: int) -> int:
    """KV budgets in every regime: far below lin, near lin, inside the trial, past lin + lout."""
    return draw(
        st.one_of(
            st.integers(1, 70_000),
            st.integers(max(1, lin - 64), lin + 64),
            st.integers(max(1, lin + lout - 64), lin + lout + 64),
            st.integers(lin, lin + lout),
        )
    )


@st.composite
def cost_case(draw: st.DrawFn) -> dict[str, Any]:
    method = draw(st.sampled_from(ref.METHODS))
    lin = draw(st.integers(1, 40_000))
    lout = draw(st.integers(1, 40_000))
    # dense ignores budget and block_size; pass some anyway so that ignoring them is tested
    budget = draw(budgets(lin, lout)) if method != "dense" or draw(st.booleans()) else 0
    block_size = (
        draw(st.one_of(st.sampled_from([8, 16, 32, 64, 128]), st.integers(1, 512)))
        if method == "blocktopk" or draw(st.booleans())
        else 0
    )
    return {
        "method": method,
        "variant": draw(st.sampled_from(ref.VARIANTS)),
        "p": draw(st.floats(1e8, 1e12)),
        "hq": draw(st.integers(1, 128)),
        "hkv": draw(st.integers(1, 16)),
        "d": draw(st.integers(1, 128 * 128)),
        "lin": lin,
        "lout": lout,
        "n": draw(st.integers(1, 64)),
        "i": draw(st.floats(0.0, 5000.0)),
        "budget": budget,
        "block_size": block_size,
    }


@st.composite
def rflops_case(draw: st.DrawFn) -> dict[str, Any]:
    case = draw(cost_case())
    case.update(
        i_gpu=draw(st.floats(0.0, 1000.0)),
        i_link=draw(st.floats(0.0, 1e5)),
        layer_bytes=draw(st.floats(1e6, 5e9)),
        k=draw(st.integers(0, 128)),
        prefill_batch=draw(st.integers(1, 4096)),
        passes=draw(st.sampled_from(ref.PASSES)),
    )
    return case


def batch(case: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(case, min_size=1, max_size=60)


# -- compute_flops, kv_reads, eflops, kv_token_steps ----------------------------------------

SHAPES = "hq, d, lin, lout, n"
NAMED = "budget := budget, block_size := block_size, variant := variant"
POSITIONAL = "budget, block_size, variant"


@sql_property(
    batch(cost_case()),
    f"compute_flops(method, p, {SHAPES}, {NAMED}),"
    f" compute_flops(method, p, {SHAPES}, {POSITIONAL}),"
    f" kv_reads(method, hkv, d, lin, lout, n, {NAMED}),"
    f" kv_reads(method, hkv, d, lin, lout, n, {POSITIONAL}),"
    f" eflops(method, p, hq, hkv, d, lin, lout, n, i, {NAMED}),"
    f" eflops(method, p, hq, hkv, d, lin, lout, n, i, {POSITIONAL})",
)
def test_cost_macros_match_reference(con: Con, cases: Cases, rows: Rows) -> None:
    wants = []
    for c in cases:
        args = (c["lin"], c["lout"], c["n"], c["budget"], c["block_size"], c["variant"])
        comp = ref.compute_flops(c["method"], c["p"], c["hq"], c["d"], *args)
        kv = ref.kv_reads(c["method"], c["hkv"], c["d"], *args)
        ef = ref.eflops(c["method"], c["p"], c["hq"], c["hkv"], c["d"], *args[:3], c["i"], *args[3:])
        wants.append((comp, comp, kv, kv, ef, ef))
    assert_rows(rows, wants, cases)


@pytest.mark.parametrize("method", ["dense", "topk", "window"])
def test_defaults_are_exact_variant_without_block_size(con: duckdb.DuckDBPyConnection, method: str) -> None:
    budget = "" if method == "dense" else ", budget := 3000"
    got = con.execute(
        f"SELECT eflops('{method}', 8.19e9, 32, 8, 4608, 155, 20000, 4, 562.5{budget}),"
        f" compute_flops('{method}', 8.19e9, 32, 4608, 155, 20000, 4{budget}),"
        f" kv_reads('{method}', 8, 4608, 155, 20000, 4{budget})"
    ).fetchall()[0]
    b = 0 if method == "dense" else 3000
    assert got is not None
    assert close(got[0], ref.eflops(method, 8.19e9, 32, 8, 4608, 155, 20000, 4, 562.5, b))
    assert close(got[1], ref.compute_flops(method, 8.19e9, 32, 4608, 155, 20000, 4, b))
    assert close(got[2], ref.kv_reads(method, 8, 4608, 155, 20000, 4, b))


def test_window_is_topk_with_budget_w(con: duckdb.DuckDBPyConnection) -> None:
    got = con.execute(
        "SELECT eflops('window', 4.02e9, 32, 8, 4608, 155, 12000, 8, 562.5, budget := 1024, variant := v),"
        " eflops('topk', 4.02e9, 32, 8, 4608, 155, 12000, 8, 562.5, budget := 1024, variant := v)"
        " FROM (VALUES ('exact'), ('published')) t(v)"
    ).fetchall()
    for window, topk in got:
        assert window == topk


@sql_property(
    batch(cost_case().map(lambda c: {**c, "budget": max(c["budget"], 1)})),
    "kv_token_steps(lin, lout, budget, variant), kv_token_steps(lin, lout, budget, variant := variant),"
    " kv_token_steps(lin, lout, budget, 'exact'), kv_token_steps(lin, lout, budget)",
)
def test_kv_token_steps_matches_reference(con: Con, cases: Cases, rows: Rows) -> None:
    wants = []
    for c in cases:
        s = ref.kv_token_steps(c["lin"], c["lout"], c["budget"], c["variant"])
        exact = ref.kv_token_steps(c["lin"], c["lout"], c["budget"], "exact")
        wants.append((s, s, exact, exact))
    assert_rows(rows, wants, cases)


def test_kv_token_steps_known_values(con: duckdb.DuckDBPyConnection) -> None:
    # lin 155, lout 1000, b 512: x = 357, S = 155*357 + 357^2/2 + 512*643 = 448275.5
    assert con.execute("SELECT kv_token_steps(155, 1000, 512)").fetchall()[0] == (448275.5,)
    # published: 512*1000 + 357^2/2 = 575724.5
    assert con.execute("SELECT kv_token_steps(155, 1000, 512, 'published')").fetchall()[0] == (575724.5,)
    assert ref.kv_token_steps(155, 1000, 512) == 448275.5
    assert ref.kv_token_steps(155, 1000, 512, "published") == 575724.5


def test_reference_exact_s_is_the_continuous_form_of_the_discrete_sum() -> None:
    # sum_t min(b, lin + t) and its continuous form differ by at most x/2 + 1 (x steps before binding)
    for lin, lout, b in itertools.product([1, 7, 155], [1, 9, 300], [1, 50, 160, 400, 600]):
        x = min(lout, max(0, b - lin))
        assert abs(ref.kv_token_steps(lin, lout, b) - ref.kv_token_steps_sum(lin, lout, b)) <= x / 2 + 1


# -- the exact-variant identities the spec states --------------------------------------------


@st.composite
def binding_case(draw: st.DrawFn) -> dict[str, Any]:
    """b >= lin and lout >= b - lin: the budget binds within the trial."""
    lin = draw(st.integers(1, 40_000))
    b = lin + draw(st.integers(0, 40_000))
    lout = (b - lin) + draw(st.integers(0, 40_000))
    return {"lin": lin, "lout": max(lout, 1), "budget": b}


@st.composite
def unbound_case(draw: st.DrawFn) -> dict[str, Any]:
    """b >= lin + lout: the budget never binds, sparse attention is dense attention."""
    lin = draw(st.integers(1, 40_000))
    lout = draw(st.integers(1, 40_000))
    b = lin + lout + draw(st.integers(0, 40_000))
    return {
        "lin": lin,
        "lout": lout,
        "budget": b,
        "p": draw(st.floats(1e8, 1e11)),
        "hq": draw(st.integers(1, 128)),
        "hkv": draw(st.integers(1, 16)),
        "d": draw(st.integers(1, 16384)),
        "n": draw(st.integers(1, 64)),
    }


@sql_property(
    batch(binding_case()),
    "kv_token_steps(lin, lout, budget, 'exact')",
)
def test_exact_s_once_budget_binds(con: Con, cases: Cases, rows: Rows) -> None:
    """S = b*lout - (b - lin)^2/2 once lout >= b - lin (b >= lin)."""
    wants = [(c["budget"] * c["lout"] - (c["budget"] - c["lin"]) ** 2 / 2,) for c in cases]
    assert_rows(rows, wants, cases)


@sql_property(
    batch(binding_case().map(lambda c: {**c, "budget": max(1, c["lin"] - (c["budget"] - c["lin"]))})),
    "kv_token_steps(lin, lout, budget, 'exact'), kv_token_steps(lin, lout, budget, 'published')",
)
def test_exact_s_budget_below_prompt(con: Con, cases: Cases, rows: Rows) -> None:
    """b <= lin: the budget binds from the first step, S = b*lout (published adds 0)."""
    wants = [(c["budget"] * c["lout"],) * 2 for c in cases]
    assert_rows(rows, wants, cases)


@sql_property(
    batch(unbound_case()),
    "kv_token_steps(lin, lout, budget, 'exact'),"
    " compute_flops('topk', p, hq, d, lin, lout, n, budget := budget),"
    " compute_flops('dense', p, hq, d, lin, lout, n),"
    " kv_reads('topk', hkv, d, lin, lout, 1, budget := budget),"
    " kv_reads('dense', hkv, d, lin, lout, 1)",
)
def test_exact_s_is_dense_once_budget_covers_everything(con: Con, cases: Cases, rows: Rows) -> None:
    """b >= lin + lout: S = lin*lout + lout^2/2, so top-k compute equals dense compute, and at
    n = 1 top-k KV reads equal dense KV reads."""
    for row, c in zip(rows, cases, strict=True):
        lin, lout = c["lin"], c["lout"]
        assert close(row[0], lin * lout + lout**2 / 2), c
        assert close(row[1], row[2]), c
        assert close(row[3], row[4]), c
        assert close(row[2], ref.compute_flops("dense", c["p"], c["hq"], c["d"], lin, lout, c["n"])), c


def test_published_exceeds_exact_when_budget_exceeds_prompt(con: duckdb.DuckDBPyConnection) -> None:
    # b > lin: published adds +(b-lin)^2/2 where the continuous form subtracts it
    got = con.execute(
        "SELECT kv_token_steps(155, 20000, 2048, 'published') - kv_token_steps(155, 20000, 2048, 'exact')"
    ).fetchall()[0]
    assert got == ((2048 - 155) ** 2,)


# -- overflow: INT32 literals --------------------------------------------------------------

OVERFLOW = {"p": 33000000000, "hq": 64, "hkv": 8, "d": 8192, "lin": 32768, "lout": 32768, "n": 32}
OVERFLOW_SPARSE = [
    ("dense", 0, 0),
    ("topk", 32768, 0),
    ("window", 4096, 0),
    ("blocktopk", 32768, 16),
    ("blocktopk", 65536, 1),
]


def test_integer_literals_are_int32(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT typeof(32768), typeof(32), typeof(8192)").fetchall()[0] == ("INTEGER",) * 3
    with pytest.raises(duckdb.OutOfRangeException, match="Overflow in multiplication of INT32"):  # the trap
        con.execute("SELECT 32768 * 32768 * 32 * 64").fetchall()


@pytest.mark.parametrize("variant", ref.VARIANTS)
@pytest.mark.parametrize(("method", "budget", "block_size"), OVERFLOW_SPARSE)
def test_overflow_integer_literals(
    con: duckdb.DuckDBPyConnection, method: str, budget: int, block_size: int, variant: str
) -> None:
    o = OVERFLOW
    tail = f"budget := {budget}, block_size := {block_size}, variant := '{variant}'"
    got = con.execute(
        f"SELECT compute_flops('{method}', {o['p']}, {o['hq']}, {o['d']}, {o['lin']}, {o['lout']}, {o['n']}, {tail}),"
        f" kv_reads('{method}', {o['hkv']}, {o['d']}, {o['lin']}, {o['lout']}, {o['n']}, {tail}),"
        f" eflops('{method}', {o['p']}, {o['hq']}, {o['hkv']}, {o['d']}, {o['lin']}, {o['lout']}, {o['n']}, 562,"
        f" {tail}),"
        f" rflops('{method}', {o['p']}, {o['hq']}, {o['hkv']}, {o['d']}, {o['lin']}, {o['lout']}, {o['n']},"
        f" 36, 881, 1000000000, 64, {tail}, prefill_batch := 2048, passes := 'per_token'),"
        f" rflops('{method}', {o['p']}, {o['hq']}, {o['hkv']}, {o['d']}, {o['lin']}, {o['lout']}, {o['n']},"
        f" 36, 881, 1000000000, 64, {tail})"
    ).fetchall()[0]
    assert got is not None
    args = (o["lin"], o["lout"], o["n"], budget, block_size, variant)
    want = (
        ref.compute_flops(method, o["p"], o["hq"], o["d"], *args),
        ref.kv_reads(method, o["hkv"], o["d"], *args),
        ref.eflops(method, o["p"], o["hq"], o["hkv"], o["d"], *args[:3], 562, *args[3:]),
        ref.rflops(
            method, o["p"], o["hq"], o["hkv"], o["d"], *args[:3], 36, 881, 1000000000, 64, *args[3:], 2048, "per_token"
        ),
        ref.rflops(method, o["p"], o["hq"], o["hkv"], o["d"], *args[:3], 36, 881, 1000000000, 64, *args[3:]),
    )
    for g, w in zip(got, want, strict=True):
        assert close(g, w), (g, w)
    assert want[2] > 2**53  # far beyond INT32, and beyond the integers a DOUBLE holds exactly


def test_overflow_helpers_and_model_macros(con: duckdb.DuckDBPyConnection) -> None:
    got = con.execute(
        "SELECT kv_token_steps(32768, 32768, 65536), kv_token_steps(1, 32768, 32768, 'published'),"
        " param_reads(33000000000, 32768), forward_passes(32768, 32768, 32, passes := 'per_token'),"
        " offload_bytes(1000000000, 64, 32768, 32768, 32, passes := 'per_token'),"
        " model_eflops('Qwen3-32B', 'b200', 'dense', 32768, 32768, 32),"
        " model_flops('Qwen3-32B', 'blocktopk', 32768, 32768, 32, budget := 32768, block_size := 16),"
        " model_rflops('Qwen3-32B', 'a5000', 'topk', 32768, 32768, 32, 64, budget := 32768, passes := 'per_token'),"
        " kv_cache_bytes('Qwen3-32B', 2147483647)"
    ).fetchall()[0]
    assert got is not None
    arch = ref.QWEN3["Qwen3-32B"]
    p = ref.KINETICS_PARAMS["Qwen3-32B"]
    peak, hbm = ref.HARDWARE["a5000"]
    link = con.execute("SELECT link_bytes_per_s FROM hardware WHERE name = 'a5000'").fetchall()[0][0]
    want = (
        ref.kv_token_steps(32768, 32768, 65536),
        ref.kv_token_steps(1, 32768, 32768, "published"),
        ref.param_reads(33000000000, 32768),
        ref.forward_passes(32768, 32768, 32, passes="per_token"),
        ref.offload_bytes(1000000000, 64, 32768, 32768, 32, passes="per_token"),
        ref.eflops("dense", p, arch.hq, arch.hkv, arch.d, 32768, 32768, 32, ref.KINETICS_I),
        ref.compute_flops("blocktopk", p, arch.hq, arch.d, 32768, 32768, 32, 32768, 16),
        ref.rflops(
            "topk",
            p,
            arch.hq,
            arch.hkv,
            arch.d,
            32768,
            32768,
            32,
            peak / hbm,
            peak / link,
            2 * arch.layer_params,
            64,
            32768,
            passes="per_token",
        ),
        ref.kv_cache_bytes("Qwen3-32B", 2147483647),
    )
    for g, w in zip(got, want, strict=True):
        assert close(g, w), (g, w)


# -- errors: never NULL ---------------------------------------------------------------------

BAD_CALLS = [
    # unknown method
    ("compute_flops('sparse', 8.19e9, 32, 4608, 155, 1000, 1, budget := 512)", "unknown attention method 'sparse'"),
    ("kv_reads('Dense', 8, 4608, 155, 1000, 1)", "unknown attention method 'Dense'"),
    ("eflops('', 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5)", "unknown attention method ''"),
    ("compute_flops(NULL, 8.19e9, 32, 4608, 155, 1000, 1, budget := 512)", "unknown attention method 'NULL'"),
    ("kv_reads(NULL, 8, 4608, 155, 1000, 1, budget := 512)", "unknown attention method 'NULL'"),
    ("eflops(NULL, 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, budget := 512)", "unknown attention method 'NULL'"),
    # unknown variant, also for dense (which does not use it)
    ("compute_flops('dense', 8.19e9, 32, 4608, 155, 1000, 1, variant := 'exakt')", "unknown cost variant 'exakt'"),
    (
        "kv_reads('topk', 8, 4608, 155, 1000, 1, budget := 512, variant := 'Published')",
        "unknown cost variant 'Published'",
    ),
    (
        "eflops('blocktopk', 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, budget := 512, block_size := 16,"
        " variant := 'x')",
        "unknown cost variant 'x'",
    ),
    ("eflops('dense', 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, variant := NULL)", "unknown cost variant 'NULL'"),
    ("kv_reads('dense', 8, 4608, 155, 1000, 1, variant := NULL)", "unknown cost variant 'NULL'"),
    ("kv_token_steps(155, 1000, 512, 'exakt')", "unknown cost variant 'exakt'"),
    ("kv_token_steps(155, 1000, 512, NULL)", "unknown cost variant 'NULL'"),
    # missing (or non-positive) budget for a sparse method
    ("compute_flops('topk', 8.19e9, 32, 4608, 155, 1000, 1)", "method 'topk' needs a KV budget > 0"),
    ("kv_reads('window', 8, 4608, 155, 1000, 1)", "method 'window' needs a KV budget > 0"),
    (
        "eflops('blocktopk', 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, block_size := 16)",
        "method 'blocktopk' needs a KV budget > 0",
    ),
    ("eflops('topk', 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, budget := NULL)", "method 'topk' needs a KV budget > 0"),
    ("eflops('topk', 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, budget := -5)", "method 'topk' needs a KV budget > 0"),
    # missing block_size for block top-k
    (
        "compute_flops('blocktopk', 8.19e9, 32, 4608, 155, 1000, 1, budget := 512)",
        "method 'blocktopk' needs block_size > 0",
    ),
    ("kv_reads('blocktopk', 8, 4608, 155, 1000, 1, budget := 512)", "method 'blocktopk' needs block_size > 0"),
    (
        "eflops('blocktopk', 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, budget := 512, block_size := NULL)",
        "method 'blocktopk' needs block_size > 0",
    ),
    # rFLOPs
    ("rflops('topk', 8.19e9, 32, 8, 4608, 155, 1000, 1, 36, 881, 1e9, 4)", "method 'topk' needs a KV budget > 0"),
    ("rflops('bogus', 8.19e9, 32, 8, 4608, 155, 1000, 1, 36, 881, 1e9, 4)", "unknown attention method 'bogus'"),
    (
        "rflops('dense', 8.19e9, 32, 8, 4608, 155, 1000, 1, 36, 881, 1e9, 4, passes := 'per_step')",
        "unknown pass count 'per_step'",
    ),
    ("offload_bytes(1e9, 4, 155, 1000, 1, passes := 'bogus')", "unknown pass count 'bogus'"),
    ("forward_passes(155, 1000, 1, passes := NULL)", "unknown pass count 'NULL'"),
    # catalog macros
    ("model_eflops('Qwen3-8B', 'b200', 'sparse', 155, 1000, 1)", "unknown attention method 'sparse'"),
    ("model_eflops('Qwen3-8B', 'b200', 'topk', 155, 1000, 1)", "method 'topk' needs a KV budget > 0"),
    ("model_seconds('Qwen3-8B', 'b200', 'dense', 155, 1000, 1, variant := 'bogus')", "unknown cost variant 'bogus'"),
    ("model_flops('Qwen3-8B', 'blocktopk', 155, 1000, 1, budget := 512)", "method 'blocktopk' needs block_size > 0"),
    ("model_rflops('Qwen3-8B', 'a5000', 'dense', 155, 1000, 1, 4, passes := 'bogus')", "unknown pass count 'bogus'"),
    ("model_eflops('Qwen3-8B', 'b200', 'dense', 155, 1000, 1, param_count := 'bogus')", "unknown param_count 'bogus'"),
    ("model_eflops('Qwen3-8B', 'b200', 'dense', 155, 1000, 1, param_count := NULL)", "unknown param_count 'NULL'"),
    ("model_params('Qwen3-8B', param_count := 'bogus')", "unknown param_count 'bogus'"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS)
def test_bad_arguments_raise(con: duckdb.DuckDBPyConnection, call: str, message: str) -> None:
    # InvalidInputException and the macro's own message: a missing macro (a Catalog Error) must not pass
    with pytest.raises(duckdb.InvalidInputException, match=re.escape(message)):
        result = con.execute(f"SELECT {call}").fetchall()
        pytest.fail(f"{call} returned {result} instead of raising")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("* FROM model_cost('Qwen3-8B', 'b200', 'window', 155, 1000, 1)", "method 'window' needs a KV budget > 0"),
        ("* FROM model_cost('Qwen3-8B', 'b200', 'nope', 155, 1000, 1)", "unknown attention method 'nope'"),
        (
            "* FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 1000, 1, variant := 'nope')",
            "unknown cost variant 'nope'",
        ),
        (
            "* FROM model_cost('Qwen3-8B', 'b200', 'blocktopk', 155, 1000, 1, budget := 128)",
            "method 'blocktopk' needs block_size > 0",
        ),
        (
            "* FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 1000, 1, param_count := 'nope')",
            "unknown param_count 'nope'",
        ),
    ],
)
def test_model_cost_bad_arguments_raise(con: duckdb.DuckDBPyConnection, call: str, message: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match=re.escape(message)):
        con.execute(f"SELECT {call}").fetchall()


def test_bad_argument_cases_fail_without_the_macros() -> None:
    """The error cases above can fail: on a connection with no macros each raises a Catalog Error, not the
    InvalidInputException with the macro's message that the tests expect."""
    bare = duckdb.connect()
    for call, message in BAD_CALLS:
        with pytest.raises(duckdb.CatalogException, match=r"Scalar Function with name \w+ does not exist") as exc:
            bare.execute(f"SELECT {call}").fetchall()
        assert not isinstance(exc.value, duckdb.InvalidInputException) and message not in str(exc.value)
    bare.close()


def test_bad_method_in_one_row_of_a_column_raises(con: duckdb.DuckDBPyConnection) -> None:
    for method, shown in (("'bogus'", "'bogus'"), ("NULL", "'NULL'")):
        with pytest.raises(duckdb.InvalidInputException, match=f"unknown attention method {shown}"):
            con.execute(
                "SELECT eflops(m, 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, budget := 512)"
                f" FROM (VALUES ('dense'), ('topk'), ({method})) t(m)"
            ).fetchall()
    with pytest.raises(duckdb.InvalidInputException, match="method 'topk' needs a KV budget > 0"):
        con.execute(
            "SELECT eflops(m, 8.19e9, 32, 8, 4608, 155, 1000, 1, 562.5, budget := b)"
            " FROM (VALUES ('dense', 0), ('topk', 256), ('topk', 0)) t(m, b)"
        ).fetchall()


def test_reference_rejects_what_the_macros_reject() -> None:
    with pytest.raises(ref.CostModelError, match="unknown method 'sparse'"):
        ref.eflops("sparse", 1e9, 32, 8, 4608, 155, 1000, 1, 562.5, 512)
    with pytest.raises(ref.CostModelError, match="unknown variant 'x'"):
        ref.eflops("dense", 1e9, 32, 8, 4608, 155, 1000, 1, 562.5, variant="x")
    with pytest.raises(ref.CostModelError, match="method 'topk' needs a KV budget > 0"):
        ref.eflops("topk", 1e9, 32, 8, 4608, 155, 1000, 1, 562.5)
    with pytest.raises(ref.CostModelError, match="blocktopk needs block_size > 0"):
        ref.eflops("blocktopk", 1e9, 32, 8, 4608, 155, 1000, 1, 562.5, 512)
    with pytest.raises(ref.CostModelError, match="unknown passes 'x'"):
        ref.forward_passes(155, 1000, 1, passes="x")


# -- rFLOPs ---------------------------------------------------------------------------------


@sql_property(
    batch(rflops_case()),
    "rflops(method, p, hq, hkv, d, lin, lout, n, i_gpu, i_link, layer_bytes, k,"
    " budget := budget, block_size := block_size, variant := variant,"
    " prefill_batch := prefill_batch, passes := passes),"
    " rflops(method, p, hq, hkv, d, lin, lout, n, i_gpu, i_link, layer_bytes, k,"
    " budget, block_size, variant, prefill_batch, passes),"
    " offload_bytes(layer_bytes, k, lin, lout, n, prefill_batch := prefill_batch, passes := passes),"
    " offload_bytes(layer_bytes, k, lin, lout, n, prefill_batch, passes),"
    " forward_passes(lin, lout, n, prefill_batch := prefill_batch, passes := passes),"
    " param_reads(p, lout)",
)
def test_rflops_match_reference(con: Con, cases: Cases, rows: Rows) -> None:
    wants = []
    for c in cases:
        r = ref.rflops(
            c["method"],
            c["p"],
            c["hq"],
            c["hkv"],
            c["d"],
            c["lin"],
            c["lout"],
            c["n"],
            c["i_gpu"],
            c["i_link"],
            c["layer_bytes"],
            c["k"],
            c["budget"],
            c["block_size"],
            c["variant"],
            c["prefill_batch"],
            c["passes"],
        )
        off = ref.offload_bytes(c["layer_bytes"], c["k"], c["lin"], c["lout"], c["n"], c["prefill_batch"], c["passes"])
        fp = ref.forward_passes(c["lin"], c["lout"], c["n"], c["prefill_batch"], c["passes"])
        wants.append((r, r, off, off, fp, ref.param_reads(c["p"], c["lout"])))
    # offload_bytes is 0 when k = 0: compare exactly there
    for row, want, c in zip(rows, wants, cases, strict=True):
        for j, (g, w) in enumerate(zip(row, want, strict=True)):
            assert (g == w == 0.0) or close(g, w), f"column {j}: got {g!r}, want {w!r} for {c}"


def test_rflops_defaults_forward_passes_prefill_512(con: duckdb.DuckDBPyConnection) -> None:
    got = con.execute(
        "SELECT forward_passes(1024, 100, 8), forward_passes(1025, 100, 8),"
        " forward_passes(1024, 100, 8, passes := 'per_token'),"
        " offload_bytes(2, 3, 1024, 100, 8),"
        " rflops('dense', 1e9, 32, 8, 4608, 1024, 100, 8, 36.16, 881.6, 2e8, 4)"
        " - rflops('dense', 1e9, 32, 8, 4608, 1024, 100, 8, 36.16, 881.6, 2e8, 4, prefill_batch := 512,"
        " passes := 'forward')"
    ).fetchall()[0]
    assert got == (102.0, 103.0, 1024.0 + 800.0, 2 * 3 * 102.0, 0.0)


def test_rflops_is_eflops_plus_weights_and_offload(con: duckdb.DuckDBPyConnection) -> None:
    """rflops - compute - i_gpu * kv_reads = i_gpu * 2*p*lout + i_link * layer_bytes * k * passes."""
    got = con.execute(
        "SELECT rflops('topk', 8.19e9, 32, 8, 4608, 1024, 5000, 1, 36.16, 881.6, 4.2e8, 3, budget := 2048)"
        " - compute_flops('topk', 8.19e9, 32, 4608, 1024, 5000, 1, budget := 2048)"
        " - 36.16 * kv_reads('topk', 8, 4608, 1024, 5000, 1, budget := 2048)"
    ).fetchall()[0]
    assert got is not None
    want = 36.16 * 2 * 8.19e9 * 5000 + 881.6 * 4.2e8 * 3 * (2 + 5000)
    assert close(got[0], want, rel=1e-9)


# -- catalog macros -------------------------------------------------------------------------


@st.composite
def model_case(draw: st.DrawFn) -> dict[str, Any]:
    case = draw(cost_case())
    for key in ("p", "hq", "hkv", "d", "i"):
        del case[key]
    case.update(
        model=draw(st.sampled_from(sorted(ref.QWEN3))),
        hardware=draw(st.sampled_from(sorted(ref.HARDWARE))),
        param_count=draw(st.sampled_from(["kinetics", "architecture"])),
        k=draw(st.integers(0, 64)),
        prefill_batch=draw(st.integers(1, 4096)),
        passes=draw(st.sampled_from(ref.PASSES)),
    )
    return case


MODEL_TAIL = f"{NAMED}, param_count := param_count"


def lateral(macro: str, *named: str) -> str:
    """The join of a model-cost table macro (alias mc) on every case: its arguments qualified, as the macro's own
    output aliases (method, lin, ...) shadow bare names; ``named``: its arguments before budget."""
    args = ", ".join(f"{a} := cases.{a}" for a in (*named, "budget", "block_size", "variant", "param_count"))
    return f", LATERAL {macro}(cases.model, cases.hardware, cases.method, cases.lin, cases.lout, cases.n, {args}) mc"


@sql_property(
    st.lists(model_case(), min_size=1, max_size=40),
    f"model_flops(model, method, lin, lout, n, {MODEL_TAIL}),"
    f" model_eflops(model, hardware, method, lin, lout, n, {MODEL_TAIL}),"
    f" model_seconds(model, hardware, method, lin, lout, n, {MODEL_TAIL}),"
    f" model_rflops(model, hardware, method, lin, lout, n, k, {MODEL_TAIL},"
    " prefill_batch := prefill_batch, passes := passes),"
    " model_params(model, param_count := param_count), hardware_intensity(hardware),"
    " kv_cache_bytes(model, lout)",
    examples=10,
)
def test_model_macros_match_reference(con: Con, cases: Cases, rows: Rows) -> None:
    links = dict(con.execute("SELECT name, link_bytes_per_s FROM hardware").fetchall())
    wants = []
    for c in cases:
        m = ref.model_case(c)
        arch, peak, hbm, p, tail, sparse = m.arch, m.peak, m.hbm, m.p, m.shape, m.sparse
        i = ref.intensity(peak, hbm)
        ef = ref.eflops(c["method"], p, arch.hq, arch.hkv, arch.d, *tail, i, *sparse)
        rf = ref.rflops(
            c["method"],
            p,
            arch.hq,
            arch.hkv,
            arch.d,
            *tail,
            peak / hbm,
            peak / links[c["hardware"]],
            2 * arch.layer_params,
            c["k"],
            *sparse,
            c["prefill_batch"],
            c["passes"],
        )
        wants.append(
            (
                ref.compute_flops(c["method"], p, arch.hq, arch.d, *tail, *sparse),
                ef,
                ref.compute_flops(c["method"], p, arch.hq, arch.d, *tail, *sparse) / peak
                + ref.kv_reads(c["method"], arch.hkv, arch.d, *tail, *sparse) / hbm,
                rf,
                p,
                i,
                ref.kv_cache_bytes(c["model"], c["lout"]),
            )
        )
    assert_rows(rows, wants, cases)


@sql_property(
    st.lists(model_case(), min_size=1, max_size=20),
    "mc.model, mc.hardware, mc.method, mc.lin, mc.lout, mc.n, mc.budget, mc.block_size, mc.variant,"
    " mc.params, mc.i, mc.compute_flops, mc.kv_reads, mc.eflops, mc.eflops_tera, mc.seconds",
    lateral("model_cost"),
    examples=10,
)
def test_model_cost_table_macro(con: Con, cases: Cases, rows: Rows) -> None:
    # one row per case, in case order (model_cost yields exactly one row for a known model and hardware)
    assert len(rows) == len(cases)
    for row, c in zip(rows, cases, strict=True):
        m = ref.model_case(c)
        arch, peak, hbm, p = m.arch, m.peak, m.hbm, m.p
        i = ref.intensity(peak, hbm)
        tail = (*m.shape, *m.sparse)
        comp = ref.compute_flops(c["method"], p, arch.hq, arch.d, *tail)
        kv = ref.kv_reads(c["method"], arch.hkv, arch.d, *tail)
        ef = comp + i * kv
        assert row[:6] == (c["model"], c["hardware"], c["method"], c["lin"], c["lout"], c["n"])
        assert row[6] == (None if c["method"] == "dense" else c["budget"])
        assert row[7] == (c["block_size"] if c["method"] == "blocktopk" else None)
        assert row[8] == c["variant"]
        # seconds at the roofline: compute at peak, KV bytes at HBM (not eFLOPs / peak, which counts them twice)
        for g, w in zip(row[9:], (p, i, comp, kv, ef, ef / 1e12, comp / peak + kv / hbm), strict=True):
            assert close(g, w), (g, w, c)


def test_model_cost_one_line_query(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql("SELECT * FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 16384, 8)").pl()
    assert rows.height == 1
    assert rows.columns == [*ref.MODEL_COST_COLUMNS, "kinetics_seconds"]
    arch = ref.QWEN3["Qwen3-8B"]
    want = ref.eflops("dense", 8.19e9, arch.hq, arch.hkv, arch.d, 155, 16384, 8, 562.5)
    comp = ref.compute_flops("dense", 8.19e9, arch.hq, arch.d, 155, 16384, 8, 0, 0, "exact")
    kv = ref.kv_reads("dense", arch.hkv, arch.d, 155, 16384, 8, 0, 0, "exact")
    assert close(rows["eflops"].item(), want)
    assert close(rows["seconds"].item(), comp / 2.25e15 + kv / 8e12)  # the roofline
    assert close(rows["kinetics_seconds"].item(), want / 1e12 / 4500)  # the paper's "B200 seconds"
    with pytest.raises(duckdb.Error, match="unknown model 'No-Such-Model': add it with `kinetics-sql models add"):
        con.execute("SELECT count(*) FROM model_cost('No-Such-Model', 'b200', 'dense', 155, 16384, 8)").fetchall()
    with pytest.raises(duckdb.Error, match="unknown hardware 'b300'"):
        con.execute("SELECT model_eflops('Qwen3-8B', 'b300', 'dense', 155, 16384, 8)").fetchall()
    with pytest.raises(duckdb.Error, match="unknown model 'qwen3-9b'"):
        con.execute("SELECT kv_cache_bytes('qwen3-9b', 1024)").fetchall()


def test_hardware_intensity_and_kv_cache_bytes(con: duckdb.DuckDBPyConnection) -> None:
    for name, (peak, hbm) in ref.HARDWARE.items():
        assert close(con.execute(f"SELECT hardware_intensity('{name}')").fetchall()[0][0], ref.intensity(peak, hbm))  # type: ignore[index]
    assert con.execute("SELECT hardware_intensity('b200')").fetchall()[0] == (ref.KINETICS_I,)
    for model in ref.QWEN3:
        for tokens in (1, 155, 32768, 131072):
            got = con.execute(f"SELECT kv_cache_bytes('{model}', {tokens})").fetchall()[0]
            assert got == (ref.kv_cache_bytes(model, tokens),)


# -- the published Kinetics tables ------------------------------------------------------------

LIN = {0: 155, 1: 177}


def read_rows(path: Path, query_ids: tuple[int, ...] = (0, 1)) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return [r for r in csv.DictReader(f) if int(r["query_id"]) in query_ids]


def test_published_figure_qwen3_8b_dense(con: duckdb.DuckDBPyConnection) -> None:
    """Qwen3-8B dense, query 0, n = 1, lin 155, i = 562.5, published: 10390.378071811176 Tera-eFLOPs."""
    rows = read_rows(DATA / "dense" / "aime24_qwen3-8b_dense_numTrials_tradeoff.csv", (0,))
    row = next(r for r in rows if r["trial"] == "1")
    lengths = json.loads(row["generation_length"])
    assert len(lengths) == 32
    d = ref.QWEN3["Qwen3-8B"].d
    assert d == 4608
    got = con.execute(
        f"SELECT avg(eflops('dense', 8.19e9, 32, 8, {d}, 155, g, 1, 562.5, variant := 'published')) / 1e12,"
        f" avg(compute_flops('dense', 8.19e9, 32, {d}, 155, g, 1, variant := 'published')) / 1e12,"
        f" avg(562.5 * kv_reads('dense', 8, {d}, 155, g, 1, variant := 'published')) / 1e12,"
        " avg(model_eflops('Qwen3-8B', 'b200', 'dense', 155, g, 1, variant := 'published')) / 1e12"
        " FROM unnest($lengths::INTEGER[]) t(g)",
        {"lengths": lengths},
    ).fetchall()[0]
    assert got is not None
    assert close(got[0], 10390.378071811176)
    assert close(got[0], float(row["total_cost"]))
    assert close(got[1], float(row["compute_cost"]))
    assert close(got[2], float(row["memory_cost"]))
    assert close(got[3], 10390.378071811176)
    # and the reference agrees
    want = (
        ref.expected_cost(
            lambda g: ref.eflops("dense", 8.19e9, 32, 8, d, 155, g, 1, 562.5, variant="published"), lengths
        )
        / 1e12
    )
    assert close(want, 10390.378071811176)
    # the expected cost is the mean of the costs, not the cost of the mean length
    mean_g = sum(lengths) / len(lengths)
    at_mean = ref.eflops("dense", 8.19e9, 32, 8, d, 155, mean_g, 1, 562.5) / 1e12
    assert not close(at_mean, want, rel=1e-3)


def _file_config(path: Path) -> tuple[str, str, int, int]:
    """(model, method, budget, block_size) from a Kinetics file name."""
    name = path.name
    model = ref.FILE_MODEL[re.match(r"aime24_(qwen3-[0-9-]+?b)_", name).group(1)]  # type: ignore[union-attr]
    if m := re.search(r"_local(\d+)_block(\d+)_blocktopk(\d+)_", name):
        local, block, k = map(int, m.groups())
        return model, "blocktopk", local + block * k, block
    if m := re.search(r"_local(\d+)_topk(\d+)(?:_\d+)?_", name):
        local, k = map(int, m.groups())
        return model, "topk", local + k, 0
    assert "_dense_" in name
    return model, "dense", 0, 0


TABLE_FILES = [
    "dense/aime24_qwen3-8b_dense_numTrials_tradeoff.csv",
    "dense/aime24_qwen3-14b_dense_numTrials_tradeoff.csv",
    "topk/aime24_qwen3-8b_local0_topk256_numTrials_tradeoff.csv",
    "topk/aime24_qwen3-4b_local128_topk128_numTrials_tradeoff.csv",
    "topk/aime24_qwen3-0-6b_local0_topk32_numTrials_tradeoff.csv",
    "topk/aime24_qwen3-14b_local0_topk512_numTrials_tradeoff.csv",
    "topk/aime24_qwen3-32b_local0_topk1024_numTrials_tradeoff.csv",
    "block_topk/aime24_qwen3-8b_local0_block32_blocktopk16_tradeoff.csv",
    "block_topk/aime24_qwen3-1-7b_local0_block128_blocktopk1_tradeoff.csv",
    "block_topk/aime24_qwen3-4b_local0_block16_blocktopk64_tradeoff.csv",
]


@pytest.mark.parametrize("relpath", TABLE_FILES)
def test_published_tables_reproduced(con: duckdb.DuckDBPyConnection, relpath: str) -> None:
    """Queries 0 and 1 (lin 155 and 177), every N: compute, memory and total cost to 1e-12."""
    path = DATA / relpath
    model, method, budget, block_size = _file_config(path)
    arch = ref.QWEN3[model]
    p = ref.KINETICS_PARAMS[model]
    rows = read_rows(path)
    assert {int(r["query_id"]) for r in rows} == {0, 1}
    cases = []
    for r in rows:
        if "budget" in r:
            assert float(r["budget"]) == budget, (r["budget"], budget)
        for g in json.loads(r["generation_length"]):
            cases.append(
                {
                    "q": int(r["query_id"]),
                    "trial": int(r["trial"]),
                    "lin": LIN[int(r["query_id"])],
                    "lout": g,
                    "n": int(r["trial"]),
                }
            )
    tail = f"budget := {budget}, block_size := {block_size}, variant := 'published'"
    got = run_cases(
        con,
        cases,
        "q, trial,"
        f" compute_flops('{method}', {p!r}, {arch.hq}, {arch.d}, lin, lout, n, {tail}) AS c,"
        f" 562.5 * kv_reads('{method}', {arch.hkv}, {arch.d}, lin, lout, n, {tail}) AS m,"
        f" model_eflops('{model}', 'b200', '{method}', lin, lout, n, {tail}) AS e",
    )
    sums: dict[tuple[int, int], list[float]] = {}
    for q, trial, c, m, e in got:
        acc = sums.setdefault((q, trial), [0.0, 0.0, 0.0, 0])
        acc[0] += c
        acc[1] += m
        acc[2] += e
        acc[3] += 1
    for r in rows:
        c, m, e, count = sums[(int(r["query_id"]), int(r["trial"]))]
        assert close(c / count / 1e12, float(r["compute_cost"])), (r["query_id"], r["trial"], "compute")
        assert close(m / count / 1e12, float(r["memory_cost"])), (r["query_id"], r["trial"], "memory")
        assert close(e / count / 1e12, float(r["total_cost"])), (r["query_id"], r["trial"], "total")
        # the reference reproduces the same row
        lengths = json.loads(r["generation_length"])
        n = int(r["trial"])
        lin = LIN[int(r["query_id"])]
        want = ref.expected_cost(
            lambda g, n=n, lin=lin: ref.eflops(
                method, p, arch.hq, arch.hkv, arch.d, lin, g, n, ref.KINETICS_I, budget, block_size, "published"
            ),
            lengths,
        )
        assert close(want / 1e12, float(r["total_cost"]))


def test_published_tables_need_the_published_variant(con: duckdb.DuckDBPyConnection) -> None:
    """The exact variant does not reproduce the sparse tables (the sign of the correction differs)."""
    path = DATA / "topk/aime24_qwen3-8b_local0_topk256_numTrials_tradeoff.csv"
    row = next(r for r in read_rows(path, (0,)) if r["trial"] == "1")
    got = con.execute(
        "SELECT avg(model_eflops('Qwen3-8B', 'b200', 'topk', 155, g, 1, budget := 256)) / 1e12"
        " FROM unnest($g::INTEGER[]) t(g)",
        {"g": json.loads(row["generation_length"])},
    ).fetchall()[0]
    assert got is not None
    assert not close(got[0], float(row["total_cost"]), rel=1e-9)

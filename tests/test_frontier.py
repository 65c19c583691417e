"""Frontiers on the shared AIME24 tables: exact equality with a brute-force computation, the
published costs reproduced, labels, bootstrap band and grid."""

from __future__ import annotations

import frontier_fixtures as ff
import numpy as np
import polars as pl
import pytest

from kinetics_sql import Warehouse
from kinetics_sql import frontier as fr
from kinetics_sql.errors import KineticsError

aime_db = ff.aime_db  # fixtures
aime_wh = ff.aime_wh
brute, sql_step = ff.brute, ff.sql_step


def _check_exact(wh: Warehouse, spec: fr.FrontierSpec) -> pl.DataFrame:
    pts = fr.points(wh, spec)
    df = fr.frontier(wh, spec)
    assert df.height > 0
    costs = np.unique(pts["cost"].to_numpy())
    # Evaluated at every cost where anything could change, and just below each: identical.
    at = np.concatenate([costs, np.nextafter(costs, 0)])
    by = {"none": "none", "model": "model", "method": "method", "config": "config"}[spec.by]
    expected = brute(pts, spec.selection.kind, at, by=by)
    np.testing.assert_allclose(sql_step(df, at), expected, rtol=0, atol=1e-12)
    # Rows are breakpoints: strictly increasing in cost and accuracy, each at a cost of some arm.
    assert (df["cost"].diff().drop_nulls() > 0).all()
    assert (df["accuracy"].diff().drop_nulls() > 0).all()
    assert set(df["cost"].to_list()) <= set(pts["cost"].to_list()) or spec.selection.kind == "deployable"
    return df


@pytest.mark.parametrize("cost", ["flops", "eflops"])
@pytest.mark.parametrize("kind", ["oracle", "deployable"])
def test_exact_frontier_equals_brute_force(aime_wh: Warehouse, kind: str, cost: str) -> None:
    _check_exact(aime_wh, fr.FrontierSpec.make(kind=kind, cost=cost))


@pytest.mark.parametrize("by", ["model", "method"])
def test_envelope_equals_brute_force_and_labels_the_winner(aime_wh: Warehouse, by: str) -> None:
    spec = fr.FrontierSpec.make(by=by)
    df = _check_exact(aime_wh, spec)
    pts = fr.points(aime_wh, spec)
    # The label is the group whose own frontier attains the envelope at that cost.
    for row in df.iter_rows(named=True):
        part = pts.filter(pl.col(by) == row[by])
        own = brute(part, "oracle", np.array([row["cost"]]))
        # brute() on a part averages over that part's problems; all groups cover all 30 problems
        assert own[0] == pytest.approx(row["accuracy"], abs=1e-12)
        assert row["group"] == row[by]


def test_per_group_frontiers(aime_wh: Warehouse) -> None:
    df = fr.frontier(aime_wh, fr.FrontierSpec.make(by="model", envelope=False))
    assert set(df["group"].unique()) == {"Qwen3-0.6B", "Qwen3-1.7B", "Qwen3-4B", "Qwen3-8B", "Qwen3-14B", "Qwen3-32B"}
    for _, part in df.group_by("group"):
        assert (part["accuracy"].diff().drop_nulls() > 0).all()


def test_published_variant_reproduces_published_costs(aime_wh: Warehouse) -> None:
    check = aime_wh.df(
        """
        SELECT count(*) AS n, max(abs(f.cost / 1e12 - pc.total_cost) / pc.total_cost) AS cost_err,
               max(abs(f.accuracy - pc.coverage)) AS coverage_err
        FROM frontier_points('aime24', 'best-of-n', 'eflops', 'b200', 'published', []::VARCHAR[], []::VARCHAR[]) f
        JOIN (SELECT *,
                     model || ' ' || frontier_label(method, budget, block_size, local_window, run_index, answer_table)
                         AS config
              FROM published_costs WHERE source NOT IN (SELECT source FROM ingest_issues)) pc
          ON pc.config = f.config AND pc.problem_id = f.problem_id AND pc.n = f.setting
        """
    ).row(0, named=True)
    assert check["n"] > 7000
    assert check["cost_err"] < 1e-12
    assert check["coverage_err"] < 1e-12


def test_distinct_runs_of_one_setting_stay_distinct(aime_wh: Warehouse) -> None:
    pts = fr.points(aime_wh, fr.FrontierSpec.make(models=("Qwen3-4B",), methods=("topk",)))
    configs = set(pts["config"].unique())
    assert {"Qwen3-4B topk32", "Qwen3-4B topk32 #1", "Qwen3-4B topk256", "Qwen3-4B topk256 local128"} <= configs


def test_bootstrap_band(aime_wh: Warehouse) -> None:
    spec = fr.FrontierSpec.make(by="model", bootstrap=50, seed=7)
    a = fr.frontier(aime_wh, spec)
    b = fr.frontier(aime_wh, spec)
    assert a.equals(b)  # reproducible from the seed
    assert (a["lower"] <= a["upper"]).all()
    assert (a["lower"] >= 0).all() and (a["upper"] <= 1 + 1e-12).all()
    # the point estimate lies inside the band nearly everywhere
    inside = ((a["lower"] <= a["accuracy"] + 1e-12) & (a["accuracy"] <= a["upper"] + 1e-12)).sum() / a.height
    assert inside > 0.9
    exact = fr.frontier(aime_wh, fr.FrontierSpec.make(by="model"))
    assert exact.select("cost", "accuracy").equals(a.select("cost", "accuracy"))
    c = fr.frontier(aime_wh, fr.FrontierSpec.make(by="model", bootstrap=50, seed=8))
    assert not c["lower"].equals(a["lower"])


def test_grid_and_smoothing(aime_wh: Warehouse) -> None:
    exact = fr.frontier(aime_wh, fr.FrontierSpec())
    g = fr.frontier(aime_wh, fr.FrontierSpec.make(grid=100, smooth=3))
    assert g.height == 100
    ratios = (g["cost"][1:] / g["cost"][:-1]).to_numpy()
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)  # log-spaced
    assert g["cost"][0] == pytest.approx(exact["cost"][0]) and g["cost"][-1] == pytest.approx(exact["cost"][-1])
    np.testing.assert_allclose(g["accuracy_exact"].to_numpy(), sql_step(exact, g["cost"].to_numpy()), atol=1e-12)
    raw = g["accuracy_exact"].to_numpy()
    smooth = np.array([raw[max(0, i - 1) : i + 2].mean() for i in range(len(raw))])
    np.testing.assert_allclose(g["accuracy"].to_numpy(), smooth, atol=1e-12)


def test_validation_errors(aime_wh: Warehouse) -> None:
    with pytest.raises(KineticsError, match="strategy"):
        fr.frontier(aime_wh, fr.FrontierSpec.make(strategy="beam"))
    with pytest.raises(KineticsError, match="unknown hardware"):
        fr.frontier(aime_wh, fr.FrontierSpec.make(hardware="abacus"))
    with pytest.raises(KineticsError, match="smooth"):
        fr.frontier(aime_wh, fr.FrontierSpec.make(grid=10, smooth=2))


def test_compare_findings(aime_wh: Warehouse) -> None:
    s = fr.compare_chosen_summary(aime_wh, fr.FrontierSpec.make(by="model")).row(0, named=True)
    assert s["max_ratio"] > 2.0  # the paper: up to 3x
    levels = fr.compare_chosen(aime_wh, fr.FrontierSpec.make(by="model"))
    assert (levels["ratio"] >= 1 - 1e-12).all()
    sd = fr.compare_sparse_dense(aime_wh, fr.FrontierSpec())
    block = sd.filter((pl.col("model") == "all models") & (pl.col("method") == "blocktopk")).row(0, named=True)
    assert block["max_cost_ratio"] > 4  # the blog: 8.58x


@pytest.mark.parametrize("gpus", [1, 2])
@pytest.mark.parametrize("variant", ["exact", "published"])
def test_datasheet_cost_minus_nonaffine_term_is_affine_in_n(variant: str, gpus: int) -> None:
    """frontier_points prices N as c0 + N (c1 - c0) + r(N) (points_macro.sql): that needs frontier_cost_datasheet(n)
    - frontier_cost_nonaffine(n) to be affine in n for every method, architecture and GPU count; block top-k without
    the term is not (so a term that stopped matching kv_reads would fail here)."""
    wh = Warehouse(":memory:")
    rows = wh.df(
        """
        WITH args AS (
            SELECT cost, method, lin, lout, n, arch,
                   frontier_cost_datasheet(cost, method, 8.2e9, 32, 8, 4608.0, lin, lout, n, 562.5, 1024, 32, $variant,
                                           gpus := $gpus, i_net := 1e3, hidden := 4096, vocab := 151936, layers := 36,
                                           arch := arch) AS c,
                   frontier_cost_nonaffine(cost, method, 8, 4608.0, lin, lout, n, 562.5, 32, gpus := $gpus) AS r
            FROM (VALUES ('flops'), ('eflops')) c(cost), (VALUES ('dense'), ('topk'), ('blocktopk')) m(method),
                 (VALUES (155), (3000)) l(lin), (VALUES (17), (900), (31000)) o(lout), range(0, 9) k(n),
                 (VALUES ({'d_window': 0.0, 'win': 0.0, 'sinks': 0.0, 'ssm_layers': 0.0, 'ssm_state': 0.0}),
                         ({'d_window': 512.0, 'win': 128.0, 'sinks': 4.0, 'ssm_layers': 2.0, 'ssm_state': 1e4})) a(arch)
        )
        SELECT a.cost, a.method, a.lin, a.lout, a.n, a.c, a.r,
               z.c - z.r + a.n * ((o.c - o.r) - (z.c - z.r)) AS affine, z.c + a.n * (o.c - z.c) AS affine_without_term
        FROM args a
        JOIN args z ON z.cost = a.cost AND z.method = a.method AND z.lin = a.lin AND z.lout = a.lout
                   AND z.arch = a.arch AND z.n = 0
        JOIN args o ON o.cost = a.cost AND o.method = a.method AND o.lin = a.lin AND o.lout = a.lout
                   AND o.arch = a.arch AND o.n = 1
        """,
        {"variant": variant, "gpus": gpus},
    )
    assert rows.height == 2 * 3 * 2 * 3 * 9 * 2
    err = float(((rows["c"] - rows["r"] - rows["affine"]).abs() / rows["c"].abs().clip(lower_bound=1.0)).max())  # type: ignore[arg-type]
    assert err < 1e-12
    blocktopk = rows.filter((pl.col("method") == "blocktopk") & (pl.col("cost") == "eflops"))
    off = float(((blocktopk["c"] - blocktopk["affine_without_term"]).abs() / blocktopk["c"]).max())  # type: ignore[arg-type]
    assert off > 1e-9, "block top-k's eflops should not be affine in n without the summary term"
    assert rows.filter(pl.col("method") != "blocktopk")["r"].abs().max() == 0.0


@pytest.mark.parametrize("cost", ["flops", "eflops"])
def test_the_points_instances_agree_where_they_overlap(aime_wh: Warehouse, cost: str) -> None:
    """frontier_points' three instances (kinetics_sql.warehouse.POINTS_MACROS) leave out parts, never change a
    point: best-of-N datasheet costs are bit for bit the same through each, every problem and N."""
    from kinetics_sql.warehouse import POINTS_MACROS

    args = f"('aime24', 'best-of-n', '{cost}', 'h100-sxm', 'exact', []::VARCHAR[], []::VARCHAR[], 2)"
    got = [
        aime_wh.df(f'SELECT * FROM "{n["frontier_points"]}"{args} ORDER BY config, setting, problem_id')
        for n in POINTS_MACROS.values()
    ]
    assert got[0].height > 1000 and all(g.equals(got[0]) for g in got[1:])

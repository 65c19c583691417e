"""Tensor-parallel cost macros (queries/macros/040_tensor_parallel.sql) against tests/tp_reference.py,
and the one-GPU identity: with gpus = 1 every cost equals the one-GPU macros'."""

from __future__ import annotations

import json
import math
from typing import Any

import costmodel_reference as ref
import duckdb
import pytest
import tp_reference as tp
from hypothesis import strategies as st
from test_macros import NAMED as SPARSE
from test_macros import Cases, Con, Rows, close, lateral, rflops_case, sql_property

from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse


@st.composite
def tp_case(draw: st.DrawFn) -> dict[str, Any]:
    """A cost case whose heads split over its T (T divides hq; T divides hkv or is a multiple of it)."""
    case = draw(rflops_case())
    gpus = draw(st.sampled_from([1, 2, 4, 8, 16]))
    hkv = draw(st.sampled_from([1, 2, 4, 8, 16, 32]))
    case.update(
        gpus=gpus,
        hkv=hkv,
        hq=hkv * gpus * draw(st.integers(1, 4)) if hkv < gpus else hkv * draw(st.integers(1, 8)),
        i_net=draw(st.floats(0.0, 1e5)),
        hidden=draw(st.integers(64, 16384)),
        vocab=draw(st.integers(1000, 300_000)),
        layers=draw(st.integers(1, 128)),
        replicated=draw(st.floats(0.0, 1e6)),
    )
    return case



@sql_property(
    st.lists(tp_case(), min_size=1, max_size=60),
    f"tp_compute_flops(method, p, hq, hkv, d, lin, lout, n, gpus, {SPARSE}),"
    f" tp_kv_reads(method, hkv, d, lin, lout, n, gpus, {SPARSE}),"
    " tp_comm_bytes(hidden, vocab, layers, tp_tokens(lin, lout, n), gpus),"
    f" tp_eflops(method, p, hq, hkv, d, lin, lout, n, i, i_net, hidden, vocab, layers, gpus, {SPARSE}),"
    " tp_rflops(method, p, hq, hkv, d, lin, lout, n, i_gpu, i_link, i_net, layer_bytes, k, hidden, vocab, layers,"
    f" gpus, replicated := replicated, {SPARSE}, prefill_batch := prefill_batch, passes := passes)",
)
def test_tp_macros_match_reference(con: Con, cases: Cases, rows: Rows) -> None:
    wants = []
    for c in cases:
        sparse = (c["budget"], c["block_size"], c["variant"])
        shape = (c["lin"], c["lout"], c["n"])
        wants.append(
            (
                tp.compute_flops(c["method"], c["p"], c["hq"], c["hkv"], c["d"], *shape, c["gpus"], *sparse),
                tp.kv_reads(c["method"], c["hkv"], c["d"], *shape, c["gpus"], *sparse),
                tp.comm_bytes(c["hidden"], c["vocab"], c["layers"], tp.tokens(*shape), c["gpus"]),
                tp.eflops(
                    c["method"],
                    c["p"],
                    c["hq"],
                    c["hkv"],
                    c["d"],
                    *shape,
                    c["i"],
                    c["i_net"],
                    c["hidden"],
                    c["vocab"],
                    c["layers"],
                    c["gpus"],
                    *sparse,
                ),
                tp.rflops(
                    c["method"],
                    c["p"],
                    c["hq"],
                    c["hkv"],
                    c["d"],
                    *shape,
                    c["i_gpu"],
                    c["i_link"],
                    c["i_net"],
                    c["layer_bytes"],
                    c["k"],
                    c["hidden"],
                    c["vocab"],
                    c["layers"],
                    c["gpus"],
                    c["replicated"],
                    *sparse,
                    c["prefill_batch"],
                    c["passes"],
                ),
            )
        )
    for row, want, c in zip(rows, wants, cases, strict=True):
        for j, (g, w) in enumerate(zip(row, want, strict=True)):
            # the simulated ring sums T - 1 chunks per step: 1e-12 relative is beyond its rounding at T = 16
            assert (g == w == 0.0) or close(g, w, rel=1e-11), f"column {j}: got {g!r}, want {w!r} for {c}"


@sql_property(
    st.lists(tp_case(), min_size=1, max_size=60),
    f"tp_compute_flops(method, p, hq, hkv, d, lin, lout, n, 1, {SPARSE}) = compute_flops(method, p, hq, d, lin,"
    f" lout, n, {SPARSE}),"
    f" tp_kv_reads(method, hkv, d, lin, lout, n, 1, {SPARSE}) = kv_reads(method, hkv, d, lin, lout, n, {SPARSE}),"
    f" tp_eflops(method, p, hq, hkv, d, lin, lout, n, i, NULL, hidden, vocab, layers, 1, {SPARSE})"
    f" = eflops(method, p, hq, hkv, d, lin, lout, n, i, {SPARSE}),"
    " tp_rflops(method, p, hq, hkv, d, lin, lout, n, i_gpu, i_link, i_net, layer_bytes, k, hidden, vocab, layers,"
    f" 1, replicated := replicated, {SPARSE}, prefill_batch := prefill_batch, passes := passes)"
    " = rflops(method, p, hq, hkv, d, lin, lout, n, i_gpu, i_link, layer_bytes, k,"
    f" {SPARSE}, prefill_batch := prefill_batch, passes := passes),"
    " tp_comm_bytes(hidden, vocab, layers, tp_tokens(lin, lout, n), 1)",
)
def test_one_gpu_equals_the_one_gpu_macros(con: Con, cases: Cases, rows: Rows) -> None:
    """gpus = 1: bit for bit the existing compute_flops, kv_reads, eflops and rflops (any i_net, even NULL)."""
    assert all(r == (True, True, True, True, 0.0) for r in rows), rows


def test_ring_simulation_is_the_closed_form() -> None:
    """The reference's simulated ring moves 4(T-1)/T of the message through each GPU (sent + received)."""
    for gpus in (2, 3, 4, 8):
        traffic = tp.ring_allreduce_traffic(1000.0, gpus)
        assert traffic == pytest.approx([4 * (gpus - 1) / gpus * 1000.0] * gpus, rel=1e-14)
        root = tp.gather_traffic(1000.0, gpus)
        assert root[0] == pytest.approx((gpus - 1) / gpus * 1000.0) and max(root) == root[0]


MODELS = sorted(ref.QWEN3)
HARDWARE = sorted(tp.INTERCONNECT)


@st.composite
def model_case(draw: st.DrawFn) -> dict[str, Any]:
    method = draw(st.sampled_from(ref.METHODS))
    lin, lout = draw(st.integers(1, 4096)), draw(st.integers(1, 40_000))
    return {
        "model": draw(st.sampled_from(MODELS)),
        "hardware": draw(st.sampled_from(HARDWARE)),
        "method": method,
        "lin": lin,
        "lout": lout,
        "n": draw(st.integers(1, 64)),
        "gpus": draw(st.sampled_from([1, 2, 4, 8])),
        "budget": draw(st.integers(1, 8192)) if method != "dense" else 0,
        "block_size": draw(st.sampled_from([16, 32, 64])) if method == "blocktopk" else 0,
        "variant": draw(st.sampled_from(ref.VARIANTS)),
        "param_count": draw(st.sampled_from(["kinetics", "architecture"])),
    }


@sql_property(
    st.lists(model_case(), min_size=1, max_size=30),
    "mc.gpus, mc.params_per_gpu, mc.compute_flops, mc.kv_reads, mc.comm_bytes, mc.eflops, mc.seconds,"
    " mc.gpu_seconds, mc.weight_bytes_per_gpu, mc.kv_bytes_per_gpu",
    lateral("model_cost_tp", "gpus"),
    examples=10,
)
def test_model_cost_tp_matches_reference(con: Con, cases: Cases, rows: Rows) -> None:
    wants = []
    for c in cases:
        m = ref.model_case(c)
        arch, peak, hbm, p, shape, sparse = m.arch, m.peak, m.hbm, m.p, m.shape, m.sparse
        g = c["gpus"]
        ef = tp.eflops(
            c["method"],
            p,
            arch.hq,
            arch.hkv,
            arch.d,
            *shape,
            ref.intensity(peak, hbm),
            peak / tp.INTERCONNECT[c["hardware"]],
            arch.hidden,
            arch.vocab,
            arch.layers,
            g,
            *sparse,
        )
        wants.append(
            (
                g,
                tp.params_per_gpu(p, tp.replicated_params(arch), g),
                tp.compute_flops(c["method"], p, arch.hq, arch.hkv, arch.d, *shape, g, *sparse),
                tp.kv_reads(c["method"], arch.hkv, arch.d, *shape, g, *sparse),
                tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, tp.tokens(*shape), g),
                ef,
                # the roofline: compute at peak, KV bytes at HBM, interconnect bytes at its bandwidth
                tp.compute_flops(c["method"], p, arch.hq, arch.hkv, arch.d, *shape, g, *sparse) / peak
                + tp.kv_reads(c["method"], arch.hkv, arch.d, *shape, g, *sparse) / hbm
                + tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, tp.tokens(*shape), g)
                / tp.INTERCONNECT[c["hardware"]],
                g * (tp.compute_flops(c["method"], p, arch.hq, arch.hkv, arch.d, *shape, g, *sparse) / peak
                     + tp.kv_reads(c["method"], arch.hkv, arch.d, *shape, g, *sparse) / hbm
                     + tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, tp.tokens(*shape), g)
                     / tp.INTERCONNECT[c["hardware"]]),
                tp.vram_needed(arch, g, 0, 0, 0, 0.0),
                tp.vram_needed(arch, g, *shape, 0.0) - tp.vram_needed(arch, g, 0, 0, 0, 0.0),
            )
        )
    assert len(rows) == len(cases)
    for row, want, c in zip(rows, wants, cases, strict=True):
        assert row[0] == want[0]
        for j, (got, w) in enumerate(zip(row[1:], want[1:], strict=True)):
            assert (got == w == 0.0) or close(got, w, rel=1e-11), f"column {j + 1}: got {got!r}, want {w!r} for {c}"


def test_model_cost_tp_one_gpu_is_model_cost(con: duckdb.DuckDBPyConnection) -> None:
    """Every model without sliding-window or SSM layers (model_cost prices those by their architecture, the tensor-
    parallel macro as full attention), every hardware profile, every method: model_cost_tp(gpus := 1) repeats
    model_cost."""
    cols = ref.MODEL_COST_COLUMNS
    differ = " OR ".join(f"a.{c} IS DISTINCT FROM b.{c}" for c in cols)
    row = con.execute(
        f"""
        WITH cfg AS (
            SELECT m.name AS model_name, h.name AS hardware_name, x.*
            FROM (SELECT * FROM models WHERE coalesce(window_layers, 0) = 0 AND coalesce(ssm_layers, 0) = 0) m,
                 hardware h,
                 (VALUES ('dense', 0, 0), ('topk', 512, 0), ('blocktopk', 1024, 32), ('window', 256, 0))
                 x(m_method, m_budget, m_block)
        )
        SELECT count(*) FILTER (WHERE {differ}), count(*), count(*) FILTER (WHERE b.gpu_seconds <> b.seconds)
        FROM cfg,
             LATERAL model_cost(cfg.model_name, cfg.hardware_name, cfg.m_method, 155, 9000, 8,
                                budget := cfg.m_budget, block_size := cfg.m_block) a,
             LATERAL model_cost_tp(cfg.model_name, cfg.hardware_name, cfg.m_method, 155, 9000, 8, gpus := 1,
                                   budget := cfg.m_budget, block_size := cfg.m_block) b
        WHERE a.model = b.model AND a.hardware = b.hardware AND a.method = b.method
        """
    ).fetchone()
    models, profiles = con.execute(
        "SELECT (SELECT count(*) FROM models WHERE coalesce(window_layers, 0) = 0 AND coalesce(ssm_layers, 0) = 0),"
        " (SELECT count(*) FROM hardware)"
    ).fetchall()[
        0
    ]
    assert row == (0, models * profiles * 4, 0)


def test_memory_plan_matches_reference(con: duckdb.DuckDBPyConnection) -> None:
    for model in ("Qwen3-8B", "Qwen3-14B", "Qwen3-32B"):
        arch = ref.QWEN3[model]
        for hardware in ("h200", "h100-sxm"):
            for gpus in (1, 2, 4, 8):
                plan = con.execute(
                    "SELECT gen_tokens, n, vram_needed_per_gpu, fits, max_n FROM tp_memory_plan(?, ?, ?, 155)",
                    [model, hardware, gpus],
                ).fetchall()
                assert len(plan) == 6 * 11
                for gen, n, needed, fits, best in plan:
                    want = tp.vram_needed(arch, gpus, 155, gen, n, 1e9)
                    assert math.isclose(needed, want, rel_tol=1e-12)
                    assert fits == (want <= tp.VRAM[hardware])
                    assert best == tp.max_n(arch, tp.VRAM[hardware], gpus, 155, gen, 1e9)


def test_qwen3_32b_long_best_of_n_needs_more_than_one_h200(con: duckdb.DuckDBPyConnection) -> None:
    """The issue's example: at N = 32 and 32K tokens Qwen3-32B's KV cache is about 256 GiB."""
    kv = con.execute("SELECT kv_cache_bytes('Qwen3-32B', 32 * 32768) / 2^30").fetchone()
    assert kv is not None and kv[0] == pytest.approx(256.0)
    best = dict(
        con.execute(
            "SELECT gpus, max_n FROM (SELECT * FROM tp_memory_plan('Qwen3-32B', 'h200', 1, 155)"
            " UNION ALL SELECT * FROM tp_memory_plan('Qwen3-32B', 'h200', 2, 155)"
            " UNION ALL SELECT * FROM tp_memory_plan('Qwen3-32B', 'h200', 4, 155)) WHERE gen_tokens = 32768 AND n = 1"
        ).fetchall()
    )
    assert best == {1: 8, 2: 24, 4: 57}  # (141 GB - weights/T - 1 GB) / (256 KiB / T per token) / 32K


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "SELECT * FROM model_cost_tp('Qwen3-32B', 'h200', 'dense', 155, 100, 1, gpus := 3)",
            r"query heads \(64\) divisible by 3",
        ),
        (
            "SELECT * FROM model_cost_tp('Qwen3-8B', 'h200', 'dense', 155, 100, 1, gpus := 0)",
            "gpus must be a whole number >= 1",
        ),
        ("SELECT tp_kv_reads('dense', 8, 4608, 155, 100, 1, 12)", r"KV heads \(8\) divisible by 12"),
        (
            "SELECT tp_eflops('dense', 1e9, 32, 8, 4608, 155, 100, 1, 562.5, NULL, 4096, 151936, 36, 2)",
            "needs the interconnect",
        ),
        ("SELECT * FROM tp_memory_plan('Qwen3-9B', 'h200', 2, 155)", "unknown model 'Qwen3-9B'"),
    ],
)
def test_bad_tensor_parallel_arguments_raise(con: duckdb.DuckDBPyConnection, call: str, message: str) -> None:
    with pytest.raises(duckdb.Error, match=message):
        con.execute(call).fetchall()


def test_hardware_without_interconnect_says_how_to_set_it(wh: Warehouse) -> None:
    wh.execute(
        "INSERT INTO hardware (name, peak_flops, hbm_bytes_per_s, vram_bytes) VALUES ('lab-gpu', 1e14, 1e12, 24e9)"
    )
    one = wh.df("SELECT seconds FROM model_cost_tp('Qwen3-8B', 'lab-gpu', 'dense', 155, 100, 1)")
    assert one.height == 1 and one.item() > 0  # one GPU needs no interconnect
    with pytest.raises(KineticsError, match=r"hardware 'lab-gpu' has no interconnect bandwidth.*--interconnect"):
        wh.df("SELECT * FROM model_cost_tp('Qwen3-8B', 'lab-gpu', 'dense', 155, 100, 1, gpus := 2)")


def test_interconnect_catalog_has_a_source_per_profile() -> None:
    from kinetics_sql import catalog

    links = catalog.builtin_interconnect()
    assert {h.name for h in catalog.builtin_hardware()} <= set(links)
    assert links["h200"][0] == links["h100-sxm"][0] == 900e9
    assert all(source.strip() for _, source in links.values())
    for name, bw in tp.INTERCONNECT.items():
        assert links[name][0] == bw


def test_two_gpus_halve_the_work_and_add_the_traffic(con: duckdb.DuckDBPyConnection) -> None:
    """Qwen3-32B, dense, 8 trials of 16K tokens on H200s: per-GPU compute and KV reads halve, the
    interconnect adds its bytes at 900 GB/s, so wall seconds are a little over half and GPU-seconds a
    little over one GPU's."""
    one, two = (
        con.execute(
            "SELECT compute_flops, kv_reads, comm_bytes, seconds, gpu_seconds"
            " FROM model_cost_tp('Qwen3-32B', 'h200', 'dense', 155, 16384, 8, gpus := ?)",
            [g],
        ).fetchone()
        for g in (1, 2)
    )
    assert one is not None and two is not None
    assert two[0] == pytest.approx(one[0] / 2) and two[1] == pytest.approx(one[1] / 2)
    assert one[2] == 0.0
    arch = ref.QWEN3["Qwen3-32B"]
    assert two[2] == pytest.approx(tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, 155 + 8 * 16384, 2))
    assert two[3] == pytest.approx(one[3] / 2 + two[2] / 900e9)
    assert one[4] < two[4] < 1.02 * one[4]  # 0.37 TB at 900 GB/s on ~70 GPU-seconds


def test_cli_cost_gpus(runner: Any) -> None:
    from kinetics_sql.cli import cli

    args = [
        "--db",
        ":memory:",
        "cost",
        "--model",
        "Qwen3-32B",
        "--hardware",
        "h200",
        "--lout",
        "16384",
        "--lout",
        "8192",
        "--n",
        "8",
        "-f",
        "json",
    ]
    one = json.loads(runner.invoke(cli, args).stdout)
    res = runner.invoke(cli, [*args, "--gpus", "2"])
    assert res.exit_code == 0, res.output
    two = json.loads(res.stdout)
    assert [r["lout"] for r in two] == [16384, 8192, None] and {r["gpus"] for r in two} == {2}
    assert [r["row"] for r in two] == ["trial", "trial", "mean"]
    arch = ref.QWEN3["Qwen3-32B"]
    for a, b in zip(one, two, strict=True):
        assert b["compute_flops"] == pytest.approx(a["compute_flops"] / 2, rel=1e-12)
        assert b["gpu_seconds"] == pytest.approx(2 * b["seconds"], rel=1e-15)
    want = tp.comm_bytes(arch.hidden, arch.vocab, arch.layers, 155 + 8 * 16384, 2)
    assert two[0]["comm_bytes"] == pytest.approx(want, rel=1e-12)
    bad = runner.invoke(cli, [*args, "--gpus", "3"])
    assert bad.exit_code == 1 and "query heads (64) divisible by 3" in bad.output


def test_one_gpu_keeps_every_parameter_bit_for_bit(con: duckdb.DuckDBPyConnection) -> None:
    """(p - r) / 1 + r can round away from p (p = 220310805.77004918, r = 370479.39...): one GPU keeps p."""
    for p, r in ((220310805.77004918, 370479.3907740563), (7.52e8, 0.3)):
        row = con.execute("SELECT tp_params(?, ?, 1)", [p, r]).fetchone()
        assert row is not None and row[0] == p

"""Declared SQL dependencies (kinetics_sql.sqldeps), the SQL counterpart of import-linter: every file requires what it
calls, only from lower layers (migrations < macros < selection < pricing < frontier | recommend | ... < report), with
no cycle; the warehouse creates macro files in the order the headers give; no macro reads a session table."""

from __future__ import annotations

import re

import pytest

from kinetics_sql import sqldeps, sqlfiles, warehouse

FILES = sqldeps.package_files()
TEMPLATES = warehouse.templates()


def _with(name: str, text: str) -> dict[str, sqldeps.SqlFile]:
    return {**FILES, name: sqldeps.parse(name, text)}


def test_the_package_keeps_its_declared_dependencies() -> None:
    assert sqldeps.problems(FILES, TEMPLATES) == []


def test_a_call_without_its_require_is_caught() -> None:
    text = re.sub(r"^-- requires:.*\n", "", sqlfiles.load("pricing/seconds"), flags=re.MULTILINE)
    got = sqldeps.problems(_with("pricing/seconds", text), TEMPLATES)
    assert any("pricing/seconds.sql calls tp_comm_bytes" in p and "macros/040_tensor_parallel" in p for p in got)


def test_a_lower_layer_calling_a_higher_one_is_caught() -> None:
    text = "-- requires: macros/001_cost, macros/040_tensor_parallel, frontier/parts\n" + sqlfiles.load("pricing/terms")
    text += "\nCREATE OR REPLACE TEMP MACRO pricing_nothing() AS TABLE SELECT * FROM frontier_no_points();\n"
    got = sqldeps.problems(_with("pricing/terms", text), TEMPLATES)
    assert got == [
        "queries/pricing/terms.sql (layer pricing) requires frontier/parts, of layer frontier: a file may require only "
        "lower layers or its own folder"
    ]


def test_a_cycle_an_unknown_file_and_an_unused_require_are_caught() -> None:
    files = _with("selection/labels", "-- requires: selection/trials\n" + sqlfiles.load("selection/labels"))
    got = sqldeps.problems(files, TEMPLATES)
    assert "SQL requires form a cycle: selection/trials -> selection/labels -> selection/trials" in got
    assert "queries/selection/labels.sql requires selection/trials but calls none of its macros" in got
    files = _with("frontier/parts", "-- requires: pricing/nowhere\n" + sqlfiles.load("frontier/parts"))
    assert "queries/frontier/parts.sql requires pricing/nowhere, which is no file of queries/" in sqldeps.problems(
        files, TEMPLATES
    )


def test_a_templated_call_needs_every_instance_required() -> None:
    text = sqlfiles.load("frontier/points_macro").replace("frontier/offload_points, ", "")
    got = sqldeps.problems(_with("frontier/points_macro", text), TEMPLATES)
    assert any("calls frontier_offload_points," in p for p in got)


def test_the_warehouse_creates_macro_files_in_header_order() -> None:
    order = [name for name, _ in warehouse.connection_macros()]
    for i, name in enumerate(order):
        for required in FILES[name].requires:
            assert required in order[:i], (name, required)
    assert order.count("frontier/points_macro") == 3 and order.count("frontier/strategies") == 2


def test_no_macro_reads_a_session_table() -> None:
    temp = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)
    session = {t.lower() for f in FILES for t in temp.findall(sqldeps.strip(sqlfiles.load(f)))}
    session |= {"offload_context", "offload_plan", "frontier_points_table"}
    assert {"recommend_points", "recommend_arms"} <= session
    for name, f in FILES.items():
        if not f.defines:
            continue
        words = set(re.findall(r"\w+", sqldeps.strip(sqlfiles.load(name)).lower()))
        assert not words & session, (name, words & session)


@pytest.mark.parametrize("name", ["pricing/seconds", "pricing/points", "frontier/offload_points"])
def test_headers_parse(name: str) -> None:
    assert FILES[name].requires and all(r in FILES for r in FILES[name].requires)


@pytest.mark.parametrize(
    ("sql", "stripped"),
    [
        ("a -- f(x) 'q'\nb(y)", "a \nb(y)"),
        ("'it''s f(' g(x)", "'' g(x)"),
        ("/* f( */ g( /* open f(", " g( "),
        ("s 'a--b' c(d) '/*' e(", "s '' c(d) '' e("),
        ("'unterminated f(", "''"),
    ],
)
def test_strip_drops_comments_and_empties_strings(sql: str, stripped: str) -> None:
    assert sqldeps.strip(sql) == stripped


def test_a_macro_named_only_in_a_comment_is_not_created() -> None:
    assert warehouse.needed_files("-- pricing_cost(...) prices it\nSELECT 1") == set()
    assert "pricing/costs" in warehouse.needed_files("SELECT pricing_cost('latency', 1, 0, 1, NULL)")

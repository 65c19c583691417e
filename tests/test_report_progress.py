"""`kinetics-sql report` says what it is doing: write_report tells ``progress`` each step before it runs, and the
CLI shows it on stderr (a terminal only), or nothing with --quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import frontier_fixtures as ff
import pytest

from kinetics_sql import Warehouse
from kinetics_sql.commands import frontier_cmds
from kinetics_sql.errors import KineticsError
from kinetics_sql.figures import explorer, latency, paper, report

aime_db, aime_wh = ff.aime_db, ff.aime_wh  # fixtures


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_every_step_is_told_before_it_runs(aime_wh: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    told: list[str] = []

    def fig(ctx: paper.Context) -> paper.Figure:
        ran.append(f"fig {len(told)}")
        return paper.fig4a_kv_memory(ctx)

    def no_explorer(*args: Any, progress: Any = None, **kw: Any) -> None:
        progress("explorer: aime24 best-of-n on b200")
        raise KineticsError("no trials")

    monkeypatch.setattr(paper, "FIGURES", [fig])
    monkeypatch.setattr(paper, "OPTIONAL_FIGURES", [])
    monkeypatch.setattr(latency, "figures", lambda wh, task: [])
    monkeypatch.setattr(latency, "key_numbers", lambda wh, task: [])
    monkeypatch.setattr(explorer, "write_explorer", no_explorer)
    report.write_report(aime_wh, tmp_path, bootstrap=0, images=False, progress=told.append)
    assert told[0].startswith("key numbers") and "figure fig" in told and "latency figures" in told
    assert ran == [f"fig {told.index('figure fig') + 1}"]  # told, then run
    assert told[-2:] == ["explorer: aime24 best-of-n on b200", "writing fig4a_kv_memory (HTML)"]


def test_the_cli_shows_the_step_on_stderr_or_nothing_with_quiet(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws as on a terminal
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    with frontier_cmds.step_progress(True) as progress:
        progress("figure fig5_sparse_per_model")
    shown = capsys.readouterr()
    assert "figure fig5_sparse_per_model" in shown.err and shown.out == ""
    with frontier_cmds.step_progress(False) as progress:
        progress("figure fig5_sparse_per_model")
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("TTY_COMPATIBLE", "0")  # not a terminal (a log file): not a character, not even a newline
    with frontier_cmds.step_progress(True) as progress:
        progress("figure fig5_sparse_per_model")
    assert capsys.readouterr().err == ""

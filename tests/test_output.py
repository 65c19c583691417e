"""Terminal tables stay short at scale; files and machine formats get every row."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from kinetics_sql.commands import output


def test_terminal_table_shows_head_and_tail_with_a_caption() -> None:
    df = pl.DataFrame({"k": list(range(1000)), "name": [f"row{i:04d}" for i in range(1000)]})
    text = output.render_table(df)
    assert "row0000" in text and "row0029" in text and "row0970" in text and "row0999" in text
    assert "row0030" not in text and "row0969" not in text
    assert "1,000 rows, the first and last 30 shown" in text
    small = output.render_table(df.head(output.TABLE_ROWS))
    assert "shown" not in small and f"row{output.TABLE_ROWS - 1:04d}" in small


def test_table_written_to_a_file_keeps_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = pl.DataFrame({"name": [f"row{i:04d}" for i in range(200)]})
    out = tmp_path / "t.txt"
    output.emit(df, "table", str(out))
    text = out.read_text()
    assert all(f"row{i:04d}" in text for i in range(200)) and "shown" not in text
    assert "wrote 200 rows" in capsys.readouterr().err

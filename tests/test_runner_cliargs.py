"""What the runners share (kinetics_sql.runners.cliargs, records.checkpoint_marks): no engine needed."""

from __future__ import annotations

import pytest

from kinetics_sql.runners import cliargs
from kinetics_sql.runners.records import checkpoint_marks


def test_list_options_parse_as_every_runner_reads_them() -> None:
    assert cliargs.ints("1,2,,16") == [1, 2, 16]
    assert cliargs.runs("8x512x1024, 1X155x16384,") == [(8, 512, 1024), (1, 155, 16384)]
    with pytest.raises(ValueError, match="not enough values to unpack"):
        cliargs.runs("8x512")


def test_parser_names_the_runner_module() -> None:
    ap = cliargs.parser("vllmrun", "Doc.")
    assert ap.prog == "python -m kinetics_sql.runners.vllmrun" and ap.description == "Doc."


def test_checkpoint_marks_are_powers_of_two_below_the_generation_and_the_generation() -> None:
    assert checkpoint_marks(1000) == [128, 256, 512, 1000]
    assert checkpoint_marks(128) == [128]
    assert checkpoint_marks(100, first=16) == [16, 32, 64, 100]

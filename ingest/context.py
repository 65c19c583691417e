"""What a loader gets: the ingest options and the load context (warehouse, source, progress, issues).

Loaders import this module, not :mod:`kinetics_sql.ingest.job` (which imports the loaders).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kinetics_sql import sqlfiles
from kinetics_sql.errors import InputError
from kinetics_sql.ingest.sources import Source
from kinetics_sql.warehouse import Warehouse

DEFAULT_GEN_BUDGETS = tuple(range(2048, 32768 + 1, 2048))


@dataclass
class IngestOptions:
    """Everything a loader may need beyond the file; recorded in ingest_log.options."""

    task: str | None = None
    model: str | None = None
    method: str | None = None
    budget: int | None = None
    block_size: int | None = None
    problem_col: str | None = None
    trial_col: str | None = None
    gen_tokens_col: str | None = None
    prompt_tokens_col: str | None = None
    correct_col: str | None = None
    text_col: str | None = None
    gold_col: str | None = None
    question_col: str | None = None
    tokenizer: str | None = None
    gen_budgets: tuple[int, ...] = DEFAULT_GEN_BUDGETS
    allow_implausible: bool = False  # token counts beyond the model's context, models not in the catalog
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=list)


@dataclass
class LoadContext:
    wh: Warehouse
    source: Source
    options: IngestOptions
    progress: Callable[[str, int | None], Callable[[int], None]]
    warnings: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.source.path

    def issue(self, problem_id: str | None, message: str) -> None:
        """Record a data problem that does not stop the ingest (table ingest_issues + a warning)."""
        self.wh.con.execute(
            sqlfiles.load("ingest/issue"), {"source": self.source.name, "problem_id": problem_id, "message": message}
        )
        self.warnings.append(f"{self.source.name}: problem {problem_id}: {message}")

    def error(self, message: str, *, line: int | None = None, field: str | None = None) -> InputError:
        return InputError(str(self.source.path), message, line=line, field=field)



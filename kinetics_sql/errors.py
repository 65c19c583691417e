"""Errors the user can act on: which file, which line, which field, what was expected."""

from __future__ import annotations


class KineticsError(Exception):
    """An error with a message meant for the person running the command."""


class InputError(KineticsError):
    """Bad input data: names the file, the line (1-based) and the field."""

    def __init__(self, path: str, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = path if line is None else f"{path}:{line}"
        what = f" field '{field}':" if field else ""
        super().__init__(f"{where}:{what} {message}")

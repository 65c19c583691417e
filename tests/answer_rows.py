"""Made-up answer-table rows for the voting tests (test_boinf's majority votes, test_adaptive's adaptive votes)."""

from __future__ import annotations

from kinetics_sql import Warehouse

SOURCE = "analysis_aime2024_Qwen3-4B.jsonl"


def insert_answers(
    wh: Warehouse, problems: list[tuple[str, list[str | None], list[int]]], *, answer_table: bool = True
) -> str:
    """Replace problems and trials by a made-up source's: (gold, answers, token counts) per problem, rows that say
    they come from an answer table unless ``answer_table`` is false (the column ingest stores:
    queries/migrations/060_source_facts.sql; it labels their configurations 'boinf'); clears the votes built from them.
    Returns the source."""
    wh.con.execute("DELETE FROM trials; DELETE FROM problems; DELETE FROM adaptive_votes; DELETE FROM majority_votes")
    for pid, (gold, answers, tokens) in enumerate(problems):
        wh.con.execute(
            "INSERT INTO problems (source, task, model, method, problem_id, n_samples, n_correct, gold_answer,"
            " answer_table) VALUES (?, 'aime24', 'Qwen3-4B', 'dense', ?, ?, ?, ?, ?)",
            [SOURCE, str(pid), len(answers), sum(a == gold for a in answers), gold, answer_table],
        )
        for i, (a, t) in enumerate(zip(answers, tokens, strict=True)):
            wh.con.execute(
                "INSERT INTO trials (source, task, model, method, problem_id, trial, gen_tokens, correct, answer,"
                " answer_table) VALUES (?, 'aime24', 'Qwen3-4B', 'dense', ?, ?, ?, ?, ?, ?)",
                [SOURCE, str(pid), i, t, a is not None and a == gold, a, answer_table],
            )
    return SOURCE

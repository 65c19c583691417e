"""The Kinetics chat prompt (standard library only: the runners build it without the ingest layer)."""

from __future__ import annotations

MATH_TEMPLATE = (
    "Solve the following math problem efficiently and clearly.  The last line of your response should be of "
    "the following format: 'Therefore, the final answer is: $\\boxed{ANSWER}$. I hope it is correct' (without "
    "quotes) where ANSWER is just the final number or expression that solves the problem. Think step by step "
    "before answering.\n\n{Question}{Response}"
)


def chat_prompt(question: str) -> str:
    """The prompt Kinetics fed Qwen3: the math template in Qwen's chat format, generation open."""
    prompt = MATH_TEMPLATE.replace("{Question}", question).replace("{Response}", "")
    return f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"

"""Exact majority-vote (self-consistency) accuracy: the DP over answer classes.

N votes are drawn without replacement from a problem's M samples: g gold votes, other answers with counts
c_1..c_k, and u samples that do not vote (no answer, or unfinished under a cap). The plurality answer wins,
a tie between t + 1 leading answers is broken uniformly at random, no votes at all is wrong. Then

    P(gold wins) = sum_a C(g, a) * sum_{x_1..x_k} [prod_i C(c_i, x_i)] C(u, N - a - sum x) * w(a, x) / C(M, N)

with w = 0 if some x_i > a, 1 / (1 + t) if t of them equal a, else 1. For a fixed gold count a, a class
with c_i < a can neither tie nor beat gold, so those classes and the non-voters merge into one pool of
u' = u + sum of their counts (a single binomial); the classes with c_i >= a are convolved with a DP over
(votes taken, classes tied), exact in integers. Cheap for answer tables: few classes reach a.

>>> float(accuracy(2, 1, [], 1, 1))   # one gold sample and one without an answer, N = 1
0.5
>>> float(accuracy(3, 1, [1, 1], 0, 2))   # gold, a, b; N = 2: gold ties a or b (1/2 each time) or is not drawn
0.3333333333333333
"""

from __future__ import annotations

from fractions import Fraction
from math import comb


def _tied_weights(classes: list[int], a: int, limit: int) -> list[list[int]]:
    """dp[s][t]: ways to take s votes from ``classes`` with no class above a and t classes at exactly a."""
    dp = [[0] * (len(classes) + 1) for _ in range(limit + 1)]
    dp[0][0] = 1
    for c in classes:
        new = [[0] * (len(classes) + 1) for _ in range(limit + 1)]
        for s in range(limit + 1):
            for t, ways in enumerate(dp[s]):
                if not ways:
                    continue
                for x in range(0, min(c, a, limit - s) + 1):
                    new[s + x][t + (x == a)] += ways * comb(c, x)
        dp = new
    return dp


def accuracy(m: int, g: int, others: list[int], u: int, n: int) -> Fraction:
    """Exact P(gold wins the vote) for N = ``n`` of ``m`` samples: g gold, ``others`` counts, u non-voters."""
    if not 1 <= n <= m:
        raise ValueError(f"N must be in 1..{m}, got {n}")
    if g + sum(others) + u != m:
        raise ValueError(f"class counts {g} + {sum(others)} + {u} do not add up to {m} samples")
    total = Fraction(0)
    for a in range(1, min(g, n) + 1):
        big = [c for c in others if c >= a]
        pool = u + sum(c for c in others if c < a)
        dp = _tied_weights(big, a, n - a)
        part = Fraction(0)
        for s, row in enumerate(dp):
            rest = n - a - s
            if rest < 0 or rest > pool:
                continue
            pick = comb(pool, rest)
            for t, ways in enumerate(row):
                if ways:
                    part += Fraction(ways * pick, 1 + t)
        total += comb(g, a) * part
    return total / comb(m, n)

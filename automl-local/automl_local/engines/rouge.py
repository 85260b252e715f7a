"""ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures (Lin 2004), the scores Autopilot reports for
fine-tuned language models. Lower-cased word tokens, no stemming; Lsum splits texts into lines
(newlines) and takes the union of the longest common subsequences per reference line, as the
``rouge-score`` package does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _f1(overlap: float, predicted: int, reference: int) -> float:
    if not overlap or not predicted or not reference:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


def rouge_n(prediction: Sequence[str], reference: Sequence[str], n: int) -> float:
    def grams(tokens: Sequence[str]) -> Counter[tuple[str, ...]]:
        return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))

    p, r = grams(prediction), grams(reference)
    return _f1(sum((p & r).values()), sum(p.values()), sum(r.values()))


def _lcs_table(a: Sequence[str], b: Sequence[str]) -> list[list[int]]:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, 1):
        for j, y in enumerate(b, 1):
            table[i][j] = table[i - 1][j - 1] + 1 if x == y else max(table[i - 1][j], table[i][j - 1])
    return table


def _lcs_positions(a: Sequence[str], b: Sequence[str]) -> set[int]:
    """Positions in ``a`` of one longest common subsequence of ``a`` and ``b``."""
    table = _lcs_table(a, b)
    found: set[int] = set()
    i, j = len(a), len(b)
    while i and j:
        if a[i - 1] == b[j - 1]:
            found.add(i - 1)
            i, j = i - 1, j - 1
        elif table[i - 1][j] >= table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return found


def rouge_l(prediction: Sequence[str], reference: Sequence[str]) -> float:
    return _f1(_lcs_table(prediction, reference)[-1][-1], len(prediction), len(reference))


def rouge_lsum(prediction: str, reference: str) -> float:
    predicted_lines = [words(line) for line in prediction.splitlines() if words(line)]
    reference_lines = [words(line) for line in reference.splitlines() if words(line)]
    hits = 0
    for line in reference_lines:
        union: set[int] = set()
        for candidate in predicted_lines:
            union |= _lcs_positions(line, candidate)
        hits += len(union)
    return _f1(hits, sum(map(len, predicted_lines)), sum(map(len, reference_lines)))


def rouge_scores(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean F-measures over the pairs, keyed by Autopilot's metric names."""
    totals = {"Rouge1": 0.0, "Rouge2": 0.0, "RougeL": 0.0, "RougeLSum": 0.0}
    for prediction, reference in zip(predictions, references, strict=True):
        p, r = words(prediction), words(reference)
        totals["Rouge1"] += rouge_n(p, r, 1)
        totals["Rouge2"] += rouge_n(p, r, 2)
        totals["RougeL"] += rouge_l(p, r)
        totals["RougeLSum"] += rouge_lsum(prediction, reference)
    count = max(len(predictions), 1)
    return {name: value / count for name, value in totals.items()}

"""The evaluation metrics evaluate.py reports, in pure Python (no `evaluate` or `rouge_score` dependency).

- rouge_l: ROUGE-L F1, from the longest common subsequence of word tokens (Lin, 2004). Tokens are like
  rouge_score's default tokenizer (lowercased alphanumeric runs, no stemming) but Unicode-aware: rouge_score
  keeps only a-z and 0-9, which scores non-English text as empty. Empty prediction or reference scores 0, as
  in rouge_score.
- exact_match: 1 when the normalized texts are equal. Normalized = lowercased, punctuation removed,
  whitespace runs collapsed, stripped (SQuAD's normalization without its article removal).
- contains_reference: 1 when the normalized reference appears in the normalized prediction on word
  boundaries (a task metric for answers wrapped in a sentence: "The order ships Monday." contains "Monday").

Scores are means over the examples, in [0, 1].
"""
from __future__ import annotations

import re
import string
import unicodedata
from typing import Mapping, Sequence

METRICS = ("rouge_l", "exact_match", "contains_reference")
_PUNCTUATION = frozenset(string.punctuation)
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script; underscore is not part of a word


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION and not unicodedata.category(ch).startswith("P"))
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, by dynamic programming over two rows."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    predicted, expected = tokens(prediction), tokens(reference)
    if not predicted or not expected:
        return 0.0
    common = lcs_length(predicted, expected)
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, reference: str) -> float:
    return 1.0 if normalize(prediction) == normalize(reference) else 0.0


def contains_reference(prediction: str, reference: str) -> float:
    expected = normalize(reference)
    if not expected:  # a reference that is only punctuation: nothing to look for but an equally empty answer
        return exact_match(prediction, reference)
    return 1.0 if f" {expected} " in f" {normalize(prediction)} " else 0.0


def score(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Each metric's mean over the examples, rounded to 6 decimals."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    if not references:
        raise ValueError("no examples to score")
    functions = {"rouge_l": rouge_l, "exact_match": exact_match, "contains_reference": contains_reference}
    n = len(references)
    return {name: round(sum(f(p, r) for p, r in zip(predictions, references)) / n, 6) for name, f in functions.items()}


def improvement(tuned: Mapping[str, float], base: Mapping[str, float]) -> dict[str, float]:
    """tuned - base, per metric (positive: fine-tuning helped)."""
    return {name: round(tuned[name] - base[name], 6) for name in METRICS}

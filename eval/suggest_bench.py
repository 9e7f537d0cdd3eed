"""Speed of the suggestions while typing (`kb bench-suggest`): the suggester, in process, on what
citizens type on their way to the evaluation questions."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from eval.bench import percentile
from kb.questions import LabelledQuestion
from kb.text import collapse_spaces
from search_api.suggest import Suggester

PREFIX_LENGTHS = (3, 5, 8, 12)
ALL = "all"


@dataclass(frozen=True)
class TypedPrefix:
    kind: str  # "3 characters", ..., "first word", "first 2 words"
    text: str
    expected: tuple[str, ...]  # the articles the whole question is labelled with


def typed_prefixes(question: str) -> dict[str, str]:
    """What is typed on the way to a question: its first 3, 5, 8 and 12 characters and its first
    word and first two words; each text once (the first kind that gives it)."""
    text = collapse_spaces(question)
    words = text.split()
    candidates = [(f"{length} characters", text[:length].strip()) for length in PREFIX_LENGTHS if len(text) >= length]
    candidates += [("first word", " ".join(words[:1])), ("first 2 words", " ".join(words[:2]))]
    prefixes: dict[str, str] = {}
    for kind, prefix in candidates:
        if prefix and prefix not in prefixes.values():
            prefixes[kind] = prefix
    return prefixes


def question_prefixes(questions: Iterable[LabelledQuestion]) -> list[TypedPrefix]:
    return [
        TypedPrefix(kind, prefix, tuple(question.expected))
        for question in questions
        for kind, prefix in typed_prefixes(question.q).items()
    ]


@dataclass
class BenchRow:
    prefixes: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    answered: float  # share of prefixes with at least one suggestion
    expected_suggested: float | None  # share of in-scope prefixes with an expected article among the suggestions


def run_suggest_benchmark(suggester: Suggester, prefixes: list[TypedPrefix], rounds: int = 3) -> dict[str, BenchRow]:
    """Per kind of prefix and for all: the time of every suggestion (all rounds) and what came
    back. Each round starts with an empty cache of words typed, and asks for the prefixes of one
    question after the other, shortest first: as typing fills it in a running API."""
    times: dict[str, list[float]] = {}
    answered: dict[str, list[bool]] = {}
    expected: dict[str, list[bool]] = {}
    for _ in range(rounds):
        suggester.forget_typed()
        for prefix in prefixes:
            started = time.perf_counter()
            suggestions = suggester.suggest(prefix.text)
            elapsed = (time.perf_counter() - started) * 1000
            for group in (prefix.kind, ALL):
                times.setdefault(group, []).append(elapsed)
                answered.setdefault(group, []).append(bool(suggestions))
                if prefix.expected:
                    found = {suggestion.article_id for suggestion in suggestions} & set(prefix.expected)
                    expected.setdefault(group, []).append(bool(found))
    rows = {}
    for group, values in times.items():
        ordered = sorted(values)
        hits = expected.get(group)
        rows[group] = BenchRow(
            prefixes=len(values) // rounds,
            p50_ms=percentile(ordered, 0.50),
            p95_ms=percentile(ordered, 0.95),
            p99_ms=percentile(ordered, 0.99),
            max_ms=ordered[-1],
            answered=sum(answered[group]) / len(answered[group]),
            expected_suggested=sum(hits) / len(hits) if hits else None,
        )
    return rows

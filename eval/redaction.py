"""Precision and recall of the redactor (`search_api.privacy`) per kind of personal data, on the
labelled sentences of `eval/redaction.yaml` (printed by `kb redaction`).

A found span counts as correct when its kind and its text (without surrounding spaces and
punctuation) are those of a labelled span. "Leaked" counts labelled spans that are not wholly
masked by any kind: what would reach a store or a log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kb.settings import PROJECT_DIR
from search_api.privacy import KINDS, Finding, Kind, find_personal_data

REDACTION_FILE = PROJECT_DIR / "eval" / "redaction.yaml"
RECALL_TARGETS: dict[Kind, float] = {
    "bsn": 0.99, "iban": 0.99, "telefoon": 0.99, "e-mail": 0.99, "datum": 0.99,
    "naam": 0.9, "adres": 0.9, "kenteken": 0.9, "postcode+huisnummer": 0.9,
}
PRECISION_TARGET = 0.95
_EDGES = " \t.,;:!?()'\""


class RedactionSetError(ValueError):
    """The labelled set cannot be read; the message names the file and line."""


class LabelledSentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    mask: list[dict[Kind, str]]

    def spans(self) -> list[Finding]:
        """The labelled spans, found in the text in the order they are listed."""
        spans, position = [], 0
        for item in self.mask:
            if len(item) != 1:
                raise ValueError(f"each mask entry names one kind, not {len(item)}")
            ((kind, value),) = item.items()
            start = self.text.find(value, position)
            if start < 0:
                raise ValueError(f"{value!r} ({kind}) is not in the text (after the spans before it)")
            spans.append(Finding(kind, start, start + len(value)))
            position = start + len(value)
        return spans


def load_sentences(path: Path = REDACTION_FILE) -> list[LabelledSentence]:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except OSError as exc:
        raise RedactionSetError(f"{path}: cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise RedactionSetError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if root is None or not isinstance(root, yaml.SequenceNode):
        raise RedactionSetError(f"{path}:1: expected a list of sentences")
    data = yaml.safe_load(text)
    sentences = []
    for node, item in zip(root.value, data):
        try:
            sentence = LabelledSentence.model_validate(item)
            sentence.spans()
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors())
            raise RedactionSetError(f"{path}:{node.start_mark.line + 1}: {problems}") from None
        except ValueError as exc:
            raise RedactionSetError(f"{path}:{node.start_mark.line + 1}: {exc}") from None
        sentences.append(sentence)
    return sentences


@dataclass
class KindScore:
    kind: Kind
    expected: int = 0  # labelled spans
    found: int = 0  # spans the redactor masked as this kind
    correct: int = 0
    leaked: int = 0  # labelled spans not wholly masked by any kind

    @property
    def precision(self) -> float | None:
        return self.correct / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.expected if self.expected else None

    @property
    def recall_target(self) -> float:
        return RECALL_TARGETS[self.kind]

    @property
    def met(self) -> bool:
        return (self.recall is None or self.recall >= self.recall_target) and (
            self.precision is None or self.precision >= PRECISION_TARGET
        )


@dataclass(frozen=True)
class Mistake:
    text: str
    kind: Kind
    span: str
    missed: bool  # True: labelled but not found; False: found but not labelled


@dataclass
class RedactionReport:
    sentences: int
    scores: list[KindScore]
    mistakes: list[Mistake] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(score.met for score in self.scores)


def _key(text: str, span: Finding) -> tuple[str, int, int]:
    start, end = span.start, span.end
    while start < end and text[start] in _EDGES:
        start += 1
    while end > start and text[end - 1] in _EDGES:
        end -= 1
    return span.kind, start, end


def evaluate(sentences: list[LabelledSentence]) -> RedactionReport:
    scores = {kind: KindScore(kind) for kind in KINDS}
    report = RedactionReport(sentences=len(sentences), scores=list(scores.values()))
    for sentence in sentences:
        text = sentence.text
        expected = {_key(text, span) for span in sentence.spans()}
        findings = find_personal_data(text)
        found = {_key(text, finding) for finding in findings}
        masked = set().union(*(range(f.start, f.end) for f in findings)) if findings else set()
        for kind, start, end in expected:
            scores[kind].expected += 1
            scores[kind].leaked += not set(range(start, end)) <= masked
            if (kind, start, end) in found:
                scores[kind].correct += 1
            else:
                report.mistakes.append(Mistake(text, kind, text[start:end], missed=True))
        for kind, start, end in found:
            scores[kind].found += 1
            if (kind, start, end) not in expected:
                report.mistakes.append(Mistake(text, kind, text[start:end], missed=False))
    return report

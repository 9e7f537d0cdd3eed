"""The normalised form of a question, on which the log groups the same question asked in other ways."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[^\w]+|_+")


def normalize(question: str) -> str:
    """Lower case, punctuation removed, runs of spaces as one: "Paspoort  verlengen?" -> "paspoort verlengen"."""
    return " ".join(_NOT_WORD.sub(" ", question.lower()).split())

"""Search words highlighted in `<mark>`: the text is escaped first, then the words that match the
question are marked. Words match by the folded Dutch stem the search index uses (`kb.sparse.term`),
and a compound matches when one of its parts is a word of the question ("parkeren" marks
"parkeervergunning"; "paspoort" does not mark "pas")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from kb.sparse import split_compound, term
from kb.text import content_words

_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(*texts: str) -> frozenset[str]:
    """The terms of the question's content words (and of the spelling suggestions searched with it)."""
    return frozenset(term(word) for text in texts for word in content_words(text))


def _matches(word: str, wanted: frozenset[str]) -> bool:
    lower = word.lower()
    return term(lower) in wanted or any(term(part) in wanted for part in split_compound(lower))


def highlight(text: str, wanted: Iterable[str]) -> Markup:
    """`text` as safe HTML with every word that matches `wanted` inside `<mark>`."""
    wanted = frozenset(wanted)
    parts: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        word = match.group()
        parts.append(str(escape(text[position : match.start()])))
        if wanted and _matches(word, wanted):
            parts.append(f"<mark>{escape(word)}</mark>")
        else:
            parts.append(str(escape(word)))
        position = match.end()
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))

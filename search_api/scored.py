"""A document with a score, made fast: searches score about 120 chunk documents each.

`dataclasses.replace` on a Haystack `Document` runs its constructor, its `__post_init__` and the
tracking of attribute changes Haystack wraps around them: about 21 microseconds a copy here, 2.5 ms
of a search. A shallow copy with the score set directly gives the same document in about 6.
"""

from __future__ import annotations

import copy

from haystack import Document


def scored(document: Document, score: float) -> Document:
    """A copy of `document` with `score` (content, meta and vectors shared, never changed)."""
    result = copy.copy(document)
    object.__setattr__(result, "score", score)  # a new object: no one else sees the change
    return result

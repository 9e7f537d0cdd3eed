"""Copies of a document, made fast. A document with a score: searches score about 120 chunk documents each.

`dataclasses.replace` on a Haystack `Document` runs its constructor, its `__post_init__` and the
tracking of attribute changes Haystack wraps around them: about 21 microseconds a copy here, 2.5 ms
of a search. A new object with a copy of the fields (`__dict__`) gives the same document in under
one (`copy.copy`: about 2).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from haystack import Document

Copied = TypeVar("Copied")


def scored(document: Document, score: float) -> Document:
    """A copy of `document` with `score` (content, meta and vectors shared, never changed)."""
    return with_fields(document, score=score)


def with_fields(document: Copied, **fields: object) -> Copied:
    """A shallow copy of `document` (a Haystack document, or any object that keeps its fields in
    `__dict__`, such as `grouping.ArticleHit`) with other values for some of its fields
    (`embedding=None`), set directly on the new object (no one else sees the change)."""
    result = object.__new__(type(document))
    state = document.__dict__.copy()
    state.update(fields)
    object.__setattr__(result, "__dict__", state)
    return result


def with_compact_vector(document: Document) -> Document:
    """`document` with its dense vector as a float32 array instead of a list of Python floats:
    about 6 times less memory (the engine keeps every chunk of the store), and read at once
    by the NumPy code that stacks the vectors. Unchanged when it has none or has one already."""
    if document.embedding is None or isinstance(document.embedding, np.ndarray):
        return document
    return with_fields(document, embedding=np.asarray(document.embedding, dtype=np.float32))

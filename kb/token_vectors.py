"""Token vectors: what the late-interaction signal of the learned ranking compares
(`search_api.token_match`).

The transformer gives every token of a text a vector in context; the sentence vector is their
mean. A text's token vectors here are the ones of its own words: without the start and end
tokens and without the pieces of the model's prefix (`query: `), each scaled to length one and
stored as float16 (half the memory; the cosines change in the fourth decimal).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Texts (without prefix) -> the token vectors of each (`content_token_vectors`)
TokenEncoder = Callable[[list[str]], list[np.ndarray]]


def content_token_vectors(hidden: np.ndarray, prefix_pieces: int) -> np.ndarray:
    """The rows of `hidden` (one per token, special tokens included) that belong to the text
    itself, L2-normalised, as float16. A text that is nothing but its prefix keeps its tokens."""
    hidden = np.asarray(hidden, dtype=np.float32)
    own = hidden[1 + prefix_pieces : -1] if len(hidden) > 2 + prefix_pieces else hidden
    norms = np.linalg.norm(own, axis=1, keepdims=True)
    return (own / np.maximum(norms, 1e-12)).astype(np.float16)

"""A text's token vectors are those of its own words: no start, end or prefix tokens, length one."""

import numpy as np

from kb.token_vectors import content_token_vectors


def test_special_and_prefix_tokens_are_dropped_and_the_rest_normalised():
    hidden = np.arange(1, 1 + 6 * 4, dtype=np.float32).reshape(6, 4)  # <s>, 'query', ':', two words, </s>
    own = content_token_vectors(hidden, prefix_pieces=2)
    assert own.dtype == np.float16 and own.shape == (2, 4)
    assert np.allclose(own.astype(np.float32), hidden[3:5] / np.linalg.norm(hidden[3:5], axis=1, keepdims=True), atol=1e-3)


def test_a_text_that_is_only_its_prefix_keeps_its_tokens():
    hidden = np.ones((4, 3), dtype=np.float32)  # <s>, 'query', ':', </s>
    assert content_token_vectors(hidden, prefix_pieces=2).shape == (4, 3)

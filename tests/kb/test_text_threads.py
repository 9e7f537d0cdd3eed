"""The Dutch stemmer gives the same stems when searches run in parallel threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import snowballstemmer

from kb.text import stem, tokenize
from tests.conftest import SHIPPED_CONTENT


def test_stems_are_the_same_in_parallel_threads():
    words = sorted({word for path in SHIPPED_CONTENT.glob("*.md") for word in tokenize(path.read_text(encoding="utf-8"))})
    words = [word + suffix for word in words for suffix in ("", "en", "heden", "tje")]
    reference = snowballstemmer.stemmer("dutch")
    expected = [reference.stemWord(word) for word in words]
    stem.cache_clear()
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(stem, words, chunksize=64))
    assert got == expected

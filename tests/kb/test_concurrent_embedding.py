"""Questions asked at the same time run the model side by side on one shared session, and each
gets exactly the vectors it gets alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kb.embedding import text_embedder
from kb.onnx_embedder import OnnxTextEmbedder
from kb.settings import Settings

QUESTIONS = ["paspoort aanvragen", "wanneer wordt het grofvuil opgehaald", "hondenbelasting", "ik wil trouwen in juni",
             "mijn buren maken veel lawaai, wat kan ik doen", "WOZ", "parkeervergunning voor een tweede auto",
             "bijstand aanvragen na ontslag"] * 4


def test_questions_asked_together_get_the_vectors_they_get_alone():
    embedder = text_embedder(Settings())
    assert isinstance(embedder, OnnxTextEmbedder)
    alone = [embedder.run(text=question) for question in QUESTIONS]
    start = threading.Barrier(8)

    def ask(question: str) -> dict:
        try:
            start.wait(timeout=0.5)
        except threading.BrokenBarrierError:
            pass
        return embedder.run(text=question)

    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(ask, QUESTIONS))
    for mine, single in zip(together, alone):
        assert np.array_equal(np.asarray(mine["embedding"]), np.asarray(single["embedding"]))
        assert np.array_equal(mine["tokens"], single["tokens"])

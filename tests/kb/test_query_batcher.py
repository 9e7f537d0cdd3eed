"""Questions asked at the same time are embedded together, with the vectors of one at a time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kb.embedding import text_embedder
from kb.onnx_embedder import OnnxTextEmbedder, QueryBatcher
from kb.settings import Settings

QUESTIONS = ["paspoort aanvragen", "wanneer wordt het grofvuil opgehaald", "hondenbelasting", "ik wil trouwen in juni",
             "mijn buren maken veel lawaai, wat kan ik doen", "WOZ", "parkeervergunning voor een tweede auto",
             "bijstand aanvragen na ontslag"] * 4


def test_questions_asked_together_share_model_runs_and_keep_their_vectors():
    embedder = text_embedder(Settings())
    assert isinstance(embedder, OnnxTextEmbedder)
    alone = [embedder.session.embed_with_tokens(embedder.prefix + q) for q in QUESTIONS]
    batcher = QueryBatcher(embedder.session)
    start = threading.Barrier(8)

    def ask(question: str) -> tuple[np.ndarray, np.ndarray]:
        try:
            start.wait(timeout=0.5)
        except threading.BrokenBarrierError:
            pass
        return batcher.embed_with_tokens(embedder.prefix + question)

    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(ask, QUESTIONS))
    assert batcher.runs < len(QUESTIONS)
    for (vector, tokens), (single_vector, single_tokens) in zip(together, alone):
        assert tokens.shape == single_tokens.shape
        assert np.allclose(vector, single_vector, atol=1e-5) and np.allclose(tokens, single_tokens, atol=1e-4)


def test_an_error_reaches_every_waiting_question():
    class Broken:
        def embed_with_tokens(self, text):
            raise ValueError("model gone")

        def embed_batch_with_tokens(self, texts):
            raise ValueError("model gone")

    batcher = QueryBatcher(Broken())  # type: ignore[arg-type]  # a stand-in session for this unit of logic
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(batcher.embed_with_tokens, "vraag") for _ in range(8)]
    errors = [future.exception() for future in futures]
    assert all(isinstance(error, ValueError) for error in errors)
    assert batcher._running is False  # the next question runs again

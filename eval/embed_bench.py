"""The question embedding alone, in process: the floor under every search (`kb bench` compares a
search with it) and, with several questions at once, the ceiling over how many new questions per
second the machine can answer at all, whatever the API around it does."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from kb.embedding import text_embedder
from kb.questions import load_questions
from kb.settings import Settings

WARM_UP = 20


def run_embedding_benchmark(settings: Settings, *, concurrency: tuple[int, ...] = (1, 4), questions: int | None = None) -> dict:
    """Embed the evaluation questions (as `/search` embeds a question, with the same embedder)
    one at a time and from `concurrency` threads at once."""
    embedder = text_embedder(settings)
    asked = [question.q for question in load_questions()][:questions]
    for question in asked[:WARM_UP]:
        embedder.run(text=question)
    levels = []
    for clients in concurrency:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            latencies = list(pool.map(lambda question: _timed(embedder, question), asked))
        elapsed = time.perf_counter() - started
        levels.append({
            "concurrency": clients,
            "p50_ms": round(statistics.median(latencies), 2),
            "questions_per_second": round(len(asked) / elapsed, 1),
        })
    return {"questions": len(asked), "embedder": type(embedder).__name__, "levels": levels}


def _timed(embedder, question: str) -> float:
    started = time.perf_counter()
    embedder.run(text=question)
    return (time.perf_counter() - started) * 1000

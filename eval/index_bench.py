"""How soon a saved article is found: over HTTP against the running API, as an editor saves.

For each article: an example question with a made-up word is added to it, the text is saved
(`PUT /admin/articles/{id}`, which re-indexes it), and that question is searched until the
article comes first; the time from the save to that answer is what an editor waits. The original
text is saved back afterwards. The API process's resident memory is read before the first save
and after the last. With another API process on the same data folder, the time until that one
finds the article too (it follows the save, `search_api.index_changes`) is measured as well."""

from __future__ import annotations

import random
import statistics
import string
import time
from pathlib import Path

import httpx

from eval.bench import server_resident_mb
from search_api.routes.search import BENCHMARK_HEADER

DEFAULT_ARTICLES = ("paspoort-aanvragen", "grofvuil-ophalen", "parkeervergunning-bewoners", "hondenbelasting",
                    "huurtoeslag")


def _with_question(text: str, question: str) -> str:
    if "\nquestions:\n" not in text:
        raise ValueError("the article has no example questions")
    return text.replace("\nquestions:\n", f'\nquestions:\n  - "{question}"\n', 1)


def _found(client: httpx.Client, question: str, article_id: str, staff: dict[str, str], started: float) -> float:
    """Seconds from `started` until `article_id` is the first result for `question`."""
    while True:
        results = client.get("/search", params={"q": question}, headers=staff).json()["results"]
        if results and results[0]["article_id"] == article_id:
            return time.perf_counter() - started
        if time.perf_counter() - started > 60:
            raise TimeoutError(f"{article_id} was not found by its new question within a minute at {client.base_url}")


def run_index_benchmark(base_url: str, editor_token: str, staff_token: str, content_dir: Path,
                        article_ids: tuple[str, ...] = DEFAULT_ARTICLES, *, other_url: str | None = None) -> dict:
    """`other_url`: another API process on the same data folder, which follows the saves
    (`search_api.index_changes`): how soon it finds them as well."""
    editor = {"Authorization": f"Bearer {editor_token}"}
    staff = {"Authorization": f"Bearer {staff_token}", BENCHMARK_HEADER: "1"}
    rows = []
    with httpx.Client(base_url=base_url, timeout=120) as client, \
            httpx.Client(base_url=other_url or base_url, timeout=120) as other:
        client.get("/health").raise_for_status()
        resident_before = server_resident_mb(client, staff)
        for article_id in article_ids:
            path = content_dir / f"{article_id}.md"
            original = path.read_text(encoding="utf-8")
            code = "".join(random.choices(string.ascii_uppercase, k=6))
            question = f"Waar haal ik formulier {code} voor {article_id.replace('-', ' ')} op?"
            try:
                started = time.perf_counter()
                saved = client.put(f"/admin/articles/{article_id}", json={"text": _with_question(original, question)},
                                   headers=editor)
                saved.raise_for_status()
                saved_in = time.perf_counter() - started
                found_in = _found(client, question, article_id, staff, started)
                found_elsewhere = _found(other, question, article_id, staff, started) if other_url else None
            finally:
                client.put(f"/admin/articles/{article_id}", json={"text": original}, headers=editor).raise_for_status()
            index = saved.json()["index"]
            rows.append({"article": article_id, "save_s": round(saved_in, 3), "found_s": round(found_in, 3),
                         **({"found_elsewhere_s": round(found_elsewhere, 3)} if found_elsewhere is not None else {}),
                         "chunks_written": index["chunks_written"], "chunks_embedded": index.get("chunks_embedded")})
        resident_after = server_resident_mb(client, staff)
    found = [row["found_s"] for row in rows]
    result = {"url": base_url, "articles": rows, "found_p50_s": round(statistics.median(found), 3),
              "found_max_s": round(max(found), 3), "server_resident_mb": {"before": resident_before, "after": resident_after}}
    if other_url:
        elsewhere = [row["found_elsewhere_s"] for row in rows]
        result.update(other_url=other_url, found_elsewhere_p50_s=round(statistics.median(elsewhere), 3),
                      found_elsewhere_max_s=round(max(elsewhere), 3))
    return result

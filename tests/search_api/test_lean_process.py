"""`kb serve` runs without PyTorch (and without pandas): the ONNX export embeds questions and, when
an article is saved, its passages. Checked on the real process: no library of theirs is mapped into
it, before and after a re-index through the API. Started again on the same index, it reads the
department classifier's saved fit and does without scikit-learn too, also when an article is saved,
and it reads the chunks from their snapshot without loading qdrant-client, which only its writer
process loads, to write what is saved."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from eval.serving_bench import serving
from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN, STAFF_TOKEN, small_content

ARTICLES = ("paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag")


def _mapped_libraries(pid: int) -> set[str]:
    """The paths of the shared libraries mapped into the process."""
    maps = Path(f"/proc/{pid}/maps").read_text(encoding="utf-8")
    return {line.split()[-1] for line in maps.splitlines() if ".so" in line.split()[-1]}


def _unused(libraries: set[str]) -> list[str]:
    return [path for path in libraries if "/torch/" in path or "/pandas/" in path or "libtorch" in path]


def _qdrant_client(libraries: set[str]) -> list[str]:
    return [path for path in libraries if "/grpc/" in path]


def _resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


@pytest.mark.slow
def test_kb_serve_never_loads_pytorch_nor_pandas(tmp_path):
    content = small_content(tmp_path / "content", ARTICLES)
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data"), "KB_CONTENT_DIR": str(content),
           "KB_STAFF_TOKEN": STAFF_TOKEN, "KB_EDITOR_TOKEN": EDITOR_TOKEN, "KB_ADMIN_TOKEN": ADMIN_TOKEN}
    with serving(env, tmp_path / "serve.log") as served:
        process = served.process
        with httpx.Client(base_url=served.url, timeout=120) as client:
            assert client.get("/search", params={"q": "paspoort kwijt"}).json()["results"]
            libraries = _mapped_libraries(process.pid)
            assert any("onnxruntime" in path for path in libraries)
            assert _unused(libraries) == []

            editor = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
            path = content / "grofvuil-ophalen.md"
            text = path.read_text(encoding="utf-8").replace("## Wat is het?", "## Wat is het?\n\nOok een oude bank of kast.", 1)
            saved = client.put("/admin/articles/grofvuil-ophalen", json={"text": text}, headers=editor)
            assert saved.status_code == 200, saved.text
            assert saved.json()["index"]["chunks_written"] > 0
            assert client.get("/search", params={"q": "oude kast weg"}).json()["results"][0]["article_id"] == "grofvuil-ophalen"
            libraries = _mapped_libraries(process.pid)
            assert _unused(libraries) == []
            assert _qdrant_client(libraries) == []  # the index was built and the save written by the writer process
            print(f"resident memory after a re-index: {_resident_mb(process.pid):.0f} MB")

    with serving(env, tmp_path / "serve.log") as served:  # the same index again: the classifier's fit is read, not trained
        process = served.process
        with httpx.Client(base_url=served.url, timeout=120) as client:
            assert client.get("/search", params={"q": "oude kast weg"}).json()["results"][0]["article_id"] == "grofvuil-ophalen"
            libraries = _mapped_libraries(process.pid)
            assert _unused(libraries) == []
            assert [path for path in libraries if "/sklearn/" in path] == []
            # the chunks come from the snapshot beside the store: no qdrant-client (nor its gRPC)
            assert _qdrant_client(libraries) == []
            assert [path for path in libraries if "/scipy/" in path] == []  # only a save's refit needs SciPy
            print(f"resident memory at rest: {_resident_mb(process.pid):.0f} MB")

            # a save checks the text (B1 score included) and refits the classifier from its last fit: still without it
            text = path.read_text(encoding="utf-8").replace("Ook een oude bank of kast.", "Ook een oude bank, kast of tafel.", 1)
            saved = client.put("/admin/articles/grofvuil-ophalen", json={"text": text}, headers=editor)
            assert saved.status_code == 200, saved.text
            libraries = _mapped_libraries(process.pid)
            assert [path for path in libraries if "/sklearn/" in path] == []
            assert _qdrant_client(libraries) == []

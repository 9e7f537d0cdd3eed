"""The service's tokenizer (SentencePiece over the Unigram pieces) gives the ids of `tokenizer.json`."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kb.model import resolve_embedding_model
from kb.model.onnx_export import ensure_onnx_model
from kb.questions import load_questions
from kb.settings import Settings
from kb.tokenization import FullTokenization, UnigramTokenization, load_tokenization

CONTENT = Path(__file__).resolve().parents[2] / "kb" / "content"


@pytest.fixture(scope="module")
def export() -> Path:
    settings = Settings()
    return ensure_onnx_model(resolve_embedding_model(settings), settings.model_cache_dir)


def _texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(CONTENT.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        texts.append("passage: " + text)
        texts.extend("passage: " + line for line in text.splitlines() if line.strip())
    texts.extend("query: " + question.q for question in load_questions())
    texts += [
        "query: ½ ﬁets ＷＯＺ 😀😀 日本語 العربية Україна",
        "query: <s> wat kost een </s> paspoort <mask>",
        "query:   meerdere   spaties\tof een tab ",
        "",
    ]
    return texts


def test_the_packaged_model_uses_the_small_tokenizer(export):
    assert isinstance(load_tokenization(export, 512), UnigramTokenization)


def test_every_article_and_question_gets_the_ids_of_tokenizer_json(export):
    served, full = load_tokenization(export, 512), FullTokenization(export, 512)
    texts = _texts()
    assert len(texts) > 5000
    differ = [text for text in texts if served.encode(text) != full.encode(text)]
    assert differ == []
    assert served.encode("passage: " + "woord " * 2000)[-1] == full.encode("passage: " + "woord " * 2000)[-1]
    assert len(served.encode("passage: " + "woord " * 2000)) == 512


def test_random_text_differs_only_where_two_orders_of_the_same_pieces_score_alike(export):
    served, full = load_tokenization(export, 512), FullTokenization(export, 512)
    rnd = random.Random(0)
    alphabet = "abcdefghijklmnopqrstuvwxyz éëïöüçßø  ﬁ½Ａ\u0301\u200b\t日本العربيةУкраїна😀ə.,-'\"?!0123456789"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 60)))
        ours, theirs = served.encode(text), full.encode(text)
        assert sorted(ours) == sorted(theirs), text

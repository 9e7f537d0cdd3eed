"""One place that builds the Haystack embedders for the configured model.

By default both run the verified ONNX export of the sentence-transformers model
(`kb.model.onnx_export`), sharing one session, and nothing here imports PyTorch. With
`KB_EMBEDDING_BACKEND=torch`, or for a model that cannot be exported, they are Haystack's
sentence-transformers embedders, sharing one loaded model (Haystack's backend factory caches the
model per set of load arguments, and both are built with the same arguments here). `token_encoder` gives the token vectors of texts embedded as questions
(`kb.token_vectors`) from whichever of the two the query embedder runs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from kb.model import resolve_embedding_model
from kb.onnx_embedder import OnnxDocumentEmbedder, OnnxTextEmbedder
from kb.settings import Settings
from kb.token_vectors import TokenEncoder, content_token_vectors

if TYPE_CHECKING:
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersDocumentEmbedder,
        SentenceTransformersTextEmbedder,
    )

logger = logging.getLogger(__name__)
TextEmbedder: TypeAlias = "OnnxTextEmbedder | SentenceTransformersTextEmbedder"
DocumentEmbedder: TypeAlias = "OnnxDocumentEmbedder | SentenceTransformersDocumentEmbedder"


def _load_arguments(model: str) -> dict[str, Any]:
    """The same load arguments for both embedders, so Haystack shares one loaded model."""
    from haystack.utils import ComponentDevice

    return dict(
        model=model,
        device=ComponentDevice.from_str("cpu"),
        normalize_embeddings=True,
        progress_bar=False,
        local_files_only=Path(model).exists(),
    )


def _onnx_folder(settings: Settings, model: str) -> Path | None:
    """The verified ONNX export of `model`, or None when the torch backend is configured or
    the model cannot be exported (logged; sentence-transformers is used then)."""
    if settings.embedding_backend != "onnx":
        return None
    from kb.model.onnx_export import OnnxExportError, ensure_onnx_model

    try:
        return ensure_onnx_model(model, settings.model_cache_dir)
    except OnnxExportError as exc:
        logger.warning("embedding falls back to sentence-transformers: %s", exc)
        return None


def text_embedder(settings: Settings, model: str | None = None) -> TextEmbedder:
    """Query embedder (adds the model's query prefix, e.g. `query: ` for e5)."""
    model = model or resolve_embedding_model(settings)
    folder = _onnx_folder(settings, model)
    embedder: TextEmbedder
    if folder is not None:
        embedder = OnnxTextEmbedder(str(folder), prefix=settings.resolved_query_prefix, threads=settings.onnx_threads)
    else:
        from haystack_integrations.components.embedders.sentence_transformers import SentenceTransformersTextEmbedder

        embedder = SentenceTransformersTextEmbedder(prefix=settings.resolved_query_prefix, **_load_arguments(model))
    embedder.warm_up()
    return embedder


def document_embedder(settings: Settings, model: str | None = None, *, threads: int | None = None) -> DocumentEmbedder:
    """Passage embedder (adds the model's passage prefix, e.g. `passage: ` for e5); `threads`:
    the cores one run of the ONNX model uses (default `KB_ONNX_THREADS`)."""
    model = model or resolve_embedding_model(settings)
    folder = _onnx_folder(settings, model)
    embedder: DocumentEmbedder
    if folder is not None:
        embedder = OnnxDocumentEmbedder(str(folder), prefix=settings.resolved_passage_prefix,
                                        threads=settings.onnx_threads if threads is None else threads)
    else:
        from haystack_integrations.components.embedders.sentence_transformers import (
            SentenceTransformersDocumentEmbedder,
        )

        embedder = SentenceTransformersDocumentEmbedder(
            prefix=settings.resolved_passage_prefix, batch_size=32, **_load_arguments(model)
        )
    embedder.warm_up()
    return embedder


def index_embedder(settings: Settings, model: str | None = None) -> tuple[DocumentEmbedder, int]:
    """The passage embedder of `kb index` and how many batches it embeds side by side
    (`indexer.indexing.embedded_in_order`): with ONNX Runtime, one run per core (`KB_ONNX_THREADS`,
    or every core the process may use), each on one core; sentence-transformers, one at a time."""
    cores = settings.onnx_threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    embedder = document_embedder(settings, model, threads=1)
    return embedder, cores if isinstance(embedder, OnnxDocumentEmbedder) else 1


def token_encoder(embedder: TextEmbedder, batch_size: int = 32) -> TokenEncoder:
    """The token vectors of texts embedded as questions (with the query prefix) by the model of
    `embedder` (`kb.token_vectors`); in length-sorted batches."""
    prefix = embedder.prefix
    if isinstance(embedder, OnnxTextEmbedder):
        session, pieces = embedder.session, embedder.prefix_pieces

        def hidden_states(batch: list[str]) -> list[np.ndarray]:
            return session.embed_batch_with_tokens(batch)[1]
    else:
        backend = embedder.embedding_backend
        assert backend is not None, "call warm_up() first"
        model = backend.model
        pieces = len(model.tokenizer.tokenize(prefix.strip())) if prefix.strip() else 0

        def hidden_states(batch: list[str]) -> list[np.ndarray]:
            tokens = model.encode(batch, batch_size=len(batch), output_value="token_embeddings")
            return [t.float().numpy() for t in tokens]

    def encode(texts: list[str]) -> list[np.ndarray]:
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        result: list[np.ndarray] = [np.zeros((0, 0), dtype=np.float16)] * len(texts)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            for index, hidden in zip(batch, hidden_states([prefix + texts[i] for i in batch])):
                result[index] = content_token_vectors(hidden, pieces)
        return result

    return encode


def embedding_dimension(embedder: TextEmbedder | DocumentEmbedder) -> int:
    if isinstance(embedder, (OnnxTextEmbedder, OnnxDocumentEmbedder)):
        assert embedder.dimension is not None, "call warm_up() first"
        return embedder.dimension
    backend = embedder.embedding_backend
    assert backend is not None, "call warm_up() first"
    dimension = backend.model.get_embedding_dimension()
    assert dimension is not None, "the model does not say its dimension"
    return int(dimension)

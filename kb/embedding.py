"""One place that builds the Haystack embedders for the configured model.

Both embedders share one loaded sentence-transformers model: Haystack's backend factory
caches the model per set of load arguments, and both are built with the same arguments here.
"""

from __future__ import annotations

from pathlib import Path

from haystack.utils import ComponentDevice
from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
    SentenceTransformersTextEmbedder,
)

from kb.model import resolve_embedding_model
from kb.settings import Settings

_CPU = ComponentDevice.from_str("cpu")


def _load_arguments(model: str) -> dict:
    """The same load arguments for both embedders, so Haystack shares one loaded model."""
    return dict(
        model=model,
        device=_CPU,
        normalize_embeddings=True,
        progress_bar=False,
        local_files_only=Path(model).exists(),
    )


def text_embedder(settings: Settings, model: str | None = None) -> SentenceTransformersTextEmbedder:
    """Query embedder (adds the model's query prefix, e.g. `query: ` for e5)."""
    model = model or resolve_embedding_model(settings)
    embedder = SentenceTransformersTextEmbedder(prefix=settings.resolved_query_prefix, **_load_arguments(model))
    embedder.warm_up()
    return embedder


def document_embedder(settings: Settings, model: str | None = None) -> SentenceTransformersDocumentEmbedder:
    """Passage embedder (adds the model's passage prefix, e.g. `passage: ` for e5)."""
    model = model or resolve_embedding_model(settings)
    embedder = SentenceTransformersDocumentEmbedder(
        prefix=settings.resolved_passage_prefix, batch_size=32, **_load_arguments(model)
    )
    embedder.warm_up()
    return embedder


def embedding_dimension(embedder: SentenceTransformersTextEmbedder | SentenceTransformersDocumentEmbedder) -> int:
    backend = embedder.embedding_backend
    assert backend is not None, "call warm_up() first"
    return int(backend.model.get_sentence_embedding_dimension())

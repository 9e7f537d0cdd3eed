"""Opening the Qdrant document store: embedded (local mode on a path) or a server, one setting.

`KB_QDRANT_URL` unset: qdrant-client local mode on `<data_dir>/qdrant`. Local mode locks its
folder, so only one process can hold it; `StoreLockedError` says so in plain words.
"""

from __future__ import annotations

import logging

from haystack.utils import Secret
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from haystack_integrations.document_stores.qdrant.document_store import QdrantStoreError

from kb.settings import Settings

log = logging.getLogger(__name__)

#: Payload indexes (used by a Qdrant server; local mode ignores them).
PAYLOAD_INDEXES = [
    {"field_name": "meta.article_id", "field_schema": "keyword"},
    {"field_name": "meta.department_id", "field_schema": "keyword"},
]


class StoreLockedError(RuntimeError):
    """The embedded store is held by another process (usually the running API)."""


def describe_store(settings: Settings) -> str:
    if settings.qdrant_url:
        return f"Qdrant server {settings.qdrant_url}, collection '{settings.collection}'"
    return f"embedded Qdrant at {settings.resolved_qdrant_path}, collection '{settings.collection}'"


def open_document_store(settings: Settings, embedding_dim: int, *, recreate: bool = False) -> QdrantDocumentStore:
    """Open (and create if needed) the collection. A collection built for another model (other
    vector size) or without sparse vectors is recreated: its vectors are useless for this one."""
    store = _make_store(settings, embedding_dim, recreate)
    try:
        _connect(store, settings)
    except (ValueError, QdrantStoreError) as exc:  # other dimension or similarity, or no sparse vectors
        log.warning("Recreating collection '%s': %s", settings.collection, exc)
        store.close()
        store = _make_store(settings, embedding_dim, recreate=True)
        _connect(store, settings)
    return store


def _connect(store: QdrantDocumentStore, settings: Settings) -> None:
    """Connect and set up the collection; in local mode this takes the folder lock."""
    try:
        store._initialize_client()  # noqa: SLF001 - fail early and clearly, not on first search
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise StoreLockedError(
                f"The embedded store at {settings.resolved_qdrant_path} is in use by another process "
                "(most likely the running search API). Re-index through the API instead "
                "(`kb index --via-api`), or stop the API first."
            ) from exc
        raise


def _make_store(settings: Settings, embedding_dim: int, recreate: bool) -> QdrantDocumentStore:
    common = dict(
        index=settings.collection,
        embedding_dim=embedding_dim,
        similarity="cosine",
        recreate_index=recreate,
        progress_bar=False,
        write_batch_size=256,
        payload_fields_to_index=PAYLOAD_INDEXES,
        use_sparse_embeddings=True,  # BM25-style vectors from kb.sparse ...
        sparse_idf=True,  # ... with the IDF applied by Qdrant over the collection
    )
    if settings.qdrant_url:
        api_key = Secret.from_token(settings.qdrant_api_key.get_secret_value()) if settings.qdrant_api_key else None
        return QdrantDocumentStore(url=settings.qdrant_url, api_key=api_key, **common)
    path = settings.resolved_qdrant_path
    path.mkdir(parents=True, exist_ok=True)
    return QdrantDocumentStore(path=str(path), force_disable_check_same_thread=True, **common)

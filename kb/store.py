"""Opening the Qdrant document store: embedded (local mode on a path) or a server, one setting.

`KB_QDRANT_URL` unset: qdrant-client local mode on `<data_dir>/qdrant`. Local mode locks its
folder, so only one process can hold it; `StoreLockedError` says so in plain words.

The index is a collection alias (`KB_COLLECTION`, default `kb_sections`) that points at a
collection `kb_sections--<UTC time>`. Searches and incremental runs read and write through the
alias; a full rebuild fills a new collection and then moves the alias in one step, so a search
sees the old index or the new one, never a half-built one. A rebuild that was killed leaves an
unused collection behind, which the next index run removes. A data folder that holds a plain
collection under the alias's name (written before the alias) is read as it is; the next
`kb index` copies it into an aliased collection (nothing is embedded again).
Local mode and a Qdrant server take the same steps, through the same client calls.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from haystack.utils import Secret
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from haystack_integrations.document_stores.qdrant.document_store import QdrantStoreError
from qdrant_client import QdrantClient, models

from kb.settings import Settings
from kb.store_files import check_not_served_elsewhere, locked_error

log = logging.getLogger(__name__)

#: Payload indexes (used by a Qdrant server; local mode ignores them).
PAYLOAD_INDEXES = [
    {"field_name": "meta.article_id", "field_schema": "keyword"},
    {"field_name": "meta.department_id", "field_schema": "keyword"},
]
COPY_BATCH = 256


def open_document_store(settings: Settings, embedding_dim: int) -> QdrantDocumentStore:
    """Open the index through its alias, as searches and incremental runs use it.

    With no index yet, an empty one is created. When a rebuild was killed after its collection
    was complete but before the alias pointed at it, the alias is pointed at it now. An index
    built for another model (other vector size) or without sparse vectors is replaced by an
    empty one: its vectors are useless for this model."""
    _ensure_index(settings, embedding_dim)
    store = _make_store(settings, embedding_dim, settings.collection)
    try:
        _connect(store, settings)
    except (ValueError, QdrantStoreError) as exc:  # other dimension or similarity, or no sparse vectors
        log.warning("Replacing the index '%s' by an empty one: %s", settings.collection, exc)
        store.close()
        switch_index(settings, create_collection(settings, embedding_dim))
        store = _make_store(settings, embedding_dim, settings.collection)
        _connect(store, settings)
    return store


def open_new_collection(settings: Settings, embedding_dim: int) -> QdrantDocumentStore:
    """A new, empty collection for a full rebuild (its name is `store.index`); searches do not
    see it until `switch_index` points the alias at it."""
    name = f"{settings.collection}--{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    store = _make_store(settings, embedding_dim, name)
    _connect(store, settings)
    return store


def create_collection(settings: Settings, embedding_dim: int) -> str:
    store = open_new_collection(settings, embedding_dim)
    store.close()
    return store.index


def switch_index(settings: Settings, collection: str) -> None:
    """Point the alias at `collection` in one step, then delete the collection it pointed at."""
    with _client(settings) as client:
        previous = _switch_alias(client, settings.collection, collection)
        if previous not in (None, collection):
            client.delete_collection(previous)


def prepare_index_run(settings: Settings, embedding_dim: int, *, rebuild: bool = False) -> list[str]:
    """Before an index run: delete collections left behind by a killed rebuild, and move a plain
    collection (from before the alias) under an alias by copying its points, unless a rebuild
    replaces it anyway. Returns what it did, one line each."""
    alias = settings.collection
    done: list[str] = []
    with _client(settings) as client:
        served = _served_collection(client, alias)
        if served is not None:
            for name in _built_collections(client, alias):
                if name != served:
                    client.delete_collection(name)
                    done.append(f"Deleted collection '{name}', left behind by a rebuild that did not finish")
    if served is None or (served == alias and not rebuild):
        open_document_store(settings, embedding_dim).close()  # creates or recovers it; replaces an unusable one
        with _client(settings) as client:
            served = _served_collection(client, alias)
    if served == alias and not rebuild:
        target = create_collection(settings, embedding_dim)
        with _client(settings) as client:
            copied = _copy_points(client, alias, target)
            _switch_alias(client, alias, target)
        done.append(f"Moved the {copied} chunks of collection '{alias}' into '{target}', under the alias '{alias}'")
    for line in done:
        log.info(line)
    return done


def _ensure_index(settings: Settings, embedding_dim: int) -> None:
    """Make the alias (or a plain collection of that name) exist."""
    alias = settings.collection
    with _client(settings) as client:
        if _served_collection(client, alias) is not None:
            return
        built = _built_collections(client, alias)
        if built:  # killed between building a collection and pointing the alias at it
            log.warning("Pointing the index '%s' at collection %s, which the last run built", alias, built[-1])
            _switch_alias(client, alias, built[-1])
            return
    switch_index(settings, create_collection(settings, embedding_dim))


def _served_collection(client: QdrantClient, alias: str) -> str | None:
    """The collection that searches read: the alias's target, the plain collection of that name
    (from before the alias), or None."""
    for description in client.get_aliases().aliases:
        if description.alias_name == alias:
            return description.collection_name
    names = {collection.name for collection in client.get_collections().collections}
    return alias if alias in names else None


def _built_collections(client: QdrantClient, alias: str) -> list[str]:
    """The collections built for this alias, oldest first (their names end in a UTC time)."""
    pattern = re.compile(re.escape(alias) + r"--\d{8}T\d{12}")
    return sorted(c.name for c in client.get_collections().collections if pattern.fullmatch(c.name))


def _switch_alias(client: QdrantClient, alias: str, collection: str) -> str | None:
    """Point the alias at `collection`; returns the collection it pointed at before (None for a
    plain collection of the alias's name, which is deleted first: its points are in `collection`)."""
    previous = _served_collection(client, alias)
    operations: list[models.AliasOperations] = []
    if previous == alias:
        client.delete_collection(alias)
        previous = None
    elif previous is not None:
        operations.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias)))
    operations.append(
        models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=collection, alias_name=alias))
    )
    client.update_collection_aliases(change_aliases_operations=operations)  # one step
    return previous


def _copy_points(client: QdrantClient, source: str, target: str) -> int:
    copied, offset = 0, None
    while True:
        records, offset = client.scroll(source, limit=COPY_BATCH, offset=offset, with_payload=True, with_vectors=True)
        if records:
            points = [models.PointStruct(id=r.id, vector=r.vector or {}, payload=r.payload) for r in records]
            client.upsert(target, points=points, wait=True)
            copied += len(points)
        if offset is None:
            return copied


@contextmanager
def _client(settings: Settings) -> Iterator[QdrantClient]:
    """A plain qdrant-client for the alias and collection steps (closed after, which releases
    the folder lock of local mode)."""
    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        client = QdrantClient(url=settings.qdrant_url, api_key=key)
    else:
        path = settings.resolved_qdrant_path
        path.mkdir(parents=True, exist_ok=True)
        check_not_served_elsewhere(settings)
        try:
            client = QdrantClient(path=str(path), force_disable_check_same_thread=True)
        except RuntimeError as exc:
            _raise_if_locked(exc, settings)
            raise
    try:
        yield client
    finally:
        client.close()


def _connect(store: QdrantDocumentStore, settings: Settings) -> None:
    """Connect and set up the collection; in local mode this takes the folder lock."""
    try:
        store._initialize_client()  # noqa: SLF001 - fail early and clearly, not on first search
    except RuntimeError as exc:
        _raise_if_locked(exc, settings)
        raise


def _raise_if_locked(exc: RuntimeError, settings: Settings) -> None:
    if "already accessed" in str(exc):
        raise locked_error(settings) from exc


def _make_store(settings: Settings, embedding_dim: int, collection: str) -> QdrantDocumentStore:
    common: dict[str, Any] = dict(
        index=collection,
        embedding_dim=embedding_dim,
        similarity="cosine",
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
    check_not_served_elsewhere(settings)
    return QdrantDocumentStore(path=str(path), force_disable_check_same_thread=True, **common)

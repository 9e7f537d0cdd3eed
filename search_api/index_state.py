"""What the index holds, as `/health` and `/metrics` report it.

Counted from the store (the chunks that searches use: each article's newest complete version,
`indexer.indexing.served_documents`) and compared with the valid articles of the content folder.
The engine computes it after it starts and after each re-index and replaces it in one assignment;
reading it takes no lock, so health answers while a re-index runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from haystack import Document

from indexer.chunking import article_documents, article_fingerprint
from indexer.indexing import StoredVersion, served_versions, stored_versions
from kb.articles import Article

NAMES_SHOWN = 5  # articles named per kind of difference; the rest are counted


@dataclass(frozen=True)
class IndexState:
    indexed: frozenset[str] = frozenset()  # articles that searches find: with a complete version in the store
    chunks: int = 0  # the chunks of those versions
    missing: tuple[str, ...] = ()  # valid articles without any chunk in the store
    incomplete: tuple[str, ...] = ()  # valid articles with chunks, but without a complete version of the file
    outdated: tuple[str, ...] = ()  # valid articles found in an older version than their file
    removed: tuple[str, ...] = ()  # articles found whose file is gone

    @property
    def articles(self) -> int:
        return len(self.indexed)

    @property
    def problem(self) -> str | None:
        """How the index differs from the content, in plain Dutch; None when it matches."""
        parts = [
            _count(self.missing, "ontbreekt", "ontbreken"),
            _count(self.incomplete, "is onvolledig", "zijn onvolledig"),
            _count(self.outdated, "is niet bijgewerkt", "zijn niet bijgewerkt"),
            _count(self.removed, "is verwijderd maar nog vindbaar", "zijn verwijderd maar nog vindbaar"),
        ]
        parts = [part for part in parts if part]
        if not parts:
            return None
        return f"De zoekindex klopt niet met de artikelen: {'; '.join(parts)}. Herindexeer om dit te herstellen."


def index_state(
    documents: list[Document],
    articles: Iterable[Article],
    *,
    kept_ids: Iterable[str],
    model_name: str,
    passage_prefix: str,
    versions: dict[str, list[StoredVersion]] | None = None,
) -> IndexState:
    """Compare the stored chunks with the valid articles. `kept_ids`: articles whose file is
    invalid; their indexed version stays and is not reported as removed. `versions`:
    `stored_versions` of the documents, when the caller has them already."""
    versions = stored_versions(documents) if versions is None else versions
    served = served_versions(versions)
    missing, incomplete, outdated = [], [], []
    valid = set()
    for article in articles:
        valid.add(article.id)
        if article.id not in versions:
            missing.append(article.id)
            continue
        fingerprint = article_fingerprint(article, model_name, passage_prefix)
        version = served.get(article.id)
        if version is None:
            incomplete.append(article.id)
        elif version.fingerprint != fingerprint:
            outdated.append(article.id)
        elif version.expected is None and not {d.id for d in article_documents(article, fingerprint)} <= set(version.ids):
            incomplete.append(article.id)  # an index written without chunk counts: compare the chunks themselves
    removed = sorted(set(served) - valid - set(kept_ids))
    return IndexState(
        indexed=frozenset(served),
        chunks=sum(len(version.ids) for version in served.values()),
        missing=tuple(sorted(missing)),
        incomplete=tuple(sorted(incomplete)),
        outdated=tuple(sorted(outdated)),
        removed=tuple(removed),
    )


def _count(ids: tuple[str, ...], one: str, several: str) -> str:
    if not ids:
        return ""
    names = ", ".join(ids[:NAMES_SHOWN])
    if len(ids) > NAMES_SHOWN:
        names += f" en {len(ids) - NAMES_SHOWN} meer"
    if len(ids) == 1:
        return f"1 artikel {one} ({names})"
    return f"{len(ids)} artikelen {several} ({names})"

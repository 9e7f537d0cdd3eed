"""Turn an article into the Haystack documents that are embedded and stored.

Per article:
- one document per public section (title + heading + section text; long sections are split
  on paragraphs),
- one document per example question (citizen phrasings count toward their article),
- one summary document (title + keywords).
Notes for staff are never indexed, so no search can leak them; staff views read them from the
article itself. Besides the article's own split into public and staff sections, the chunker
skips every section headed as staff notes and drops text under a staff label inside a public
section itself (`kb.articles.STAFF_LABELS`), so that even an article that was not validated
cannot put them in the index.
"""

from __future__ import annotations

import hashlib

from haystack import Document

from kb.articles import Article, is_staff_label, markdown_to_text, without_staff_notes

#: Bump when the chunking changes, so that `kb index` re-embeds everything once.
CHUNKER_VERSION = "4"  # 2: sparse (BM25) vectors beside the dense ones; 3: folded stems; 4: English questions
MAX_CHUNK_WORDS = 220

KIND_SECTION = "section"
KIND_QUESTION = "question"
KIND_SUMMARY = "summary"


def article_fingerprint(article: Article, model: str, passage_prefix: str) -> str:
    """Changes when the file, the model or the chunking changes: then the article is re-embedded."""
    digest = hashlib.sha256()
    for part in (article.content_hash, model, passage_prefix, CHUNKER_VERSION):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def split_long_text(text: str, max_words: int = MAX_CHUNK_WORDS) -> list[str]:
    """Group paragraphs (lines) into pieces of at most about `max_words` words."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for line in text.split("\n"):
        words = len(line.split())
        if current and count + words > max_words:
            pieces.append("\n".join(current))
            current, count = [], 0
        current.append(line)
        count += words
    if current:
        pieces.append("\n".join(current))
    return pieces


def article_documents(article: Article, fingerprint: str) -> list[Document]:
    meta = article.meta
    base = {
        "article_id": meta.id,
        "title": meta.title,
        "department_id": meta.department,
        "upl": list(meta.upl),
        "fingerprint": fingerprint,
    }
    documents: list[Document] = []

    def add(kind: str, section: str, content: str) -> None:
        number = len(documents)
        documents.append(
            Document(
                id=f"{meta.id}:{fingerprint}:{number}",
                content=content,
                meta={**base, "kind": kind, "section": section},
            )
        )

    for section in article.public_sections:
        if is_staff_label(section.heading):
            continue
        for piece in split_long_text(markdown_to_text(without_staff_notes(section.markdown))):
            add(KIND_SECTION, section.heading, f"{meta.title}. {section.heading}\n{piece}")
    for question in [*meta.questions, *meta.english_questions]:
        add(KIND_QUESTION, "", question)
    add(KIND_SUMMARY, "", f"{meta.title}. {', '.join(meta.keywords)}")
    return documents

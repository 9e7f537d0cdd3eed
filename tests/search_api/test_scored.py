"""Fast copies of a chunk document: the same document with other values for some fields."""

from dataclasses import replace

from haystack import Document

from search_api.scored import scored, with_fields


def test_a_copy_with_a_score_is_the_document_haystack_would_make():
    document = Document(id="paspoort:ab12:0", content="Een paspoort vraagt u aan bij de gemeente.",
                        meta={"article_id": "paspoort-aanvragen", "kind": "section"}, embedding=[0.1, 0.2, 0.3])
    copy = scored(document, 0.75)
    assert copy == replace(document, score=0.75)
    assert copy.to_dict() == replace(document, score=0.75).to_dict()
    assert document.score is None  # the original is untouched
    assert copy.meta is document.meta  # shared, never changed

    bare = with_fields(document, embedding=None, sparse_embedding=None)
    assert bare.embedding is None and document.embedding == [0.1, 0.2, 0.3]
    assert type(bare) is Document and bare.id == document.id

"""Best bets: a question that is exactly an article's title or one of its keywords.

Editors give every article keywords (front matter `keywords`: "wmo", "bijstand", "afvalkalender").
A citizen who types exactly one of them says what they are looking for, however little text that
gives the models: one- and two-word questions score low on both the dense cosine and BM25, and
some were answered "bedoelt u" or even "geen informatie" while the right article was on top.
So an exact match puts the article(s) with that keyword first, in their retrieval order, and
counts as in scope. A keyword several articles share ("wmo") promotes all of them, in their
retrieval order. Matching ignores case and punctuation, and the filler words people type around
a keyword (stop words: "ik wil trouwen" is the keyword "trouwen", "mijn afval is niet opgehaald"
the keyword "afval niet opgehaald").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kb.articles import Article
from kb.text import content_stems, content_words, tokenize
from search_api.grouping import ArticleHit


def normalise(text: str) -> str:
    return " ".join(tokenize(text))


def without_filler(text: str) -> str:
    return " ".join(content_words(text))


class BestBets:
    def __init__(self, articles: Iterable[Article] = ()) -> None:
        self._articles: dict[str, set[str]] = defaultdict(set)
        self._stems: dict[frozenset[str], set[str]] = defaultdict(set)  # a phrase's stems -> its articles
        self._phrases: dict[str, list[frozenset[str]]] = defaultdict(list)  # a stem -> the phrases with it
        for article in articles:
            for phrase in (article.meta.title, *article.meta.keywords):
                for key in {normalise(phrase), without_filler(phrase)}:
                    if key:
                        self._articles[key].add(article.meta.id)
                stems = frozenset(content_stems(phrase))
                if stems:
                    if stems not in self._stems:
                        for word in stems:
                            self._phrases[word].append(stems)
                    self._stems[stems].add(article.meta.id)

    def match(self, *queries: str) -> set[str]:
        """The articles whose title or keyword is exactly one of the queries (e.g. the question
        as typed and as spelling-corrected), as typed or without filler words."""
        found: set[str] = set()
        for query in queries:
            for key in {normalise(query), without_filler(query)}:
                found |= self._articles.get(key, set())
        return found

    def contained(self, query: str) -> dict[str, float]:
        """Articles with a title or keyword all of whose words are in the question (as stems),
        with a strength: the words of the longest such phrase, divided by the number of articles
        that share it. A signal of the learned ranking (`search_api.ranking`), not a best bet."""
        words = set(content_stems(query))
        found: dict[str, float] = {}
        candidates = {stems for word in words for stems in self._phrases.get(word, ())}
        for stems in candidates:
            if stems <= words:
                article_ids = self._stems[stems]
                for article_id in article_ids:
                    found[article_id] = max(found.get(article_id, 0.0), len(stems) / len(article_ids))
        return found

    def promote(self, hits: list[ArticleHit], article_ids: set[str]) -> list[ArticleHit]:
        """The matching articles first, in their retrieval order; the first of them is scored as
        high as the best hit, so that the department vote weighs it as the top, and the others
        keep their scores ("vog" is a keyword of the VOG article and of the job vacancies; the
        vote should not be split evenly between them)."""
        promoted = [hit for hit in hits if hit.article_id in article_ids]
        if not promoted:
            return hits
        promoted[0] = promoted[0].with_score(max(promoted[0].score, hits[0].score))
        return promoted + [hit for hit in hits if hit.article_id not in article_ids]

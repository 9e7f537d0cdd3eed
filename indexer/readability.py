"""Plain-language (B1) checks for the public text of an article.

Three rules of thumb that Dutch plain-language guides share, plus a readability score:
- Flesch-Douma reading ease (the Dutch adaptation of Flesch: 206.835 - 0.93 x words per
  sentence - 77 x syllables per word), counted as `textstat` counts it for Dutch (its words,
  sentences and syllables from pyphen's Dutch hyphenation), in a few lines here: textstat
  itself brings nltk and an English pronunciation dictionary, 80 MB and 0.6 s in the search
  service the first time an editor saves, for a formula of three counts.
  60 or more reads as "makkelijk" for adults; below that the article is flagged.
- average sentence length at most 15 words, and no sentence over 25 words;
- no words from the jargon list in `kb/jargon.yaml` (each with a plainer alternative).

Only public sections are scored: the staff notes are written for colleagues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kb import yaml_files
from kb.articles import Article, Problem, markdown_to_text
from kb.text import split_sentences

MIN_FLESCH_DOUMA = 60.0
MAX_AVERAGE_SENTENCE_WORDS = 15.0
MAX_SENTENCE_WORDS = 25

_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


#: textstat's word rules: apostrophes stay only in contractions ("'s", "'t"); other punctuation goes
_NON_CONTRACTION_APOSTROPHE = re.compile(r"\'(?!(?:[tsd]|ve|ll|re))")
_PUNCTUATION = re.compile(r"[^\w\s\']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")
FLESCH_DOUMA = (206.835, 0.93, 77.0)  # base, per word per sentence, per syllable per word


@lru_cache(maxsize=1)
def _dutch_hyphenation():
    from pyphen import Pyphen

    return Pyphen(lang="nl")


def _flesch_words(text: str) -> list[str]:
    return _PUNCTUATION.sub("", _NON_CONTRACTION_APOSTROPHE.sub("", text)).split()


def _flesch_sentences(text: str) -> int:
    """Sentences of three words or more (at least one when there is text)."""
    if not text:
        return 0
    sentences = _SENTENCE.findall(text)
    return max(1, sum(1 for sentence in sentences if len(_flesch_words(sentence)) > 2))


@dataclass(frozen=True)
class JargonTerm:
    term: str
    alternative: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class JargonList:
    terms: tuple[JargonTerm, ...]
    allowed: re.Pattern[str] | None  # fixed product names that contain a jargon word

    def find(self, text: str) -> list[JargonTerm]:
        if self.allowed is not None:
            text = self.allowed.sub(" ", text)
        return [term for term in self.terms if term.pattern.search(text)]


@lru_cache(maxsize=4)
def load_jargon(path: Path) -> JargonList:
    """The jargon list: `terms` (word: plainer alternative, matched as whole words) and
    `allowed_phrases` (product names such as "verklaring omtrent het gedrag")."""
    data = yaml_files.load(path.read_text(encoding="utf-8")) or {}
    terms = tuple(
        JargonTerm(term, alternative, re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE))
        for term, alternative in (data.get("terms") or {}).items()
    )
    phrases = data.get("allowed_phrases") or []
    allowed = re.compile("|".join(re.escape(phrase) for phrase in phrases), re.IGNORECASE) if phrases else None
    return JargonList(terms, allowed)


@dataclass
class Readability:
    article_id: str
    flesch_douma: float
    sentences: int
    words: int
    long_sentences: int
    jargon: list[str] = field(default_factory=list)

    @property
    def average_sentence_words(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0


def count_words(sentence: str) -> int:
    return len(_WORD.findall(sentence))


def flesch_douma(text: str) -> float:
    """Flesch-Douma reading ease of `text`; 0 for a text without words."""
    words = _flesch_words(text)
    sentences = _flesch_sentences(text)
    if not words or not sentences:
        return 0.0
    hyphenation = _dutch_hyphenation()
    syllables = sum(len(hyphenation.positions(word.lower())) + 1 for word in words)
    base, per_sentence_word, per_syllable = FLESCH_DOUMA
    return base - per_sentence_word * (len(words) / sentences) - per_syllable * (syllables / len(words))


def check_readability(article: Article, jargon: JargonList) -> tuple[Readability, list[Problem]]:
    """Score one article and return warnings with the line they are on."""
    problems: list[Problem] = []
    sentence_count = word_count = long_count = 0
    found_jargon: list[str] = []
    texts: list[str] = []
    for section in article.public_sections:
        for offset, line in enumerate(section.markdown.split("\n")):
            plain = markdown_to_text(line)
            if not plain.strip():
                continue
            line_number = section.markdown_line + offset
            for sentence in split_sentences(plain):
                words = count_words(sentence)
                if not words:
                    continue
                texts.append(sentence if sentence[-1] in ".!?:" else sentence + ".")
                sentence_count += 1
                word_count += words
                if words > MAX_SENTENCE_WORDS:
                    long_count += 1
                    problems.append(Problem(
                        article.path, line_number,
                        f"B1: sentence of {words} words (max {MAX_SENTENCE_WORDS}): '{_shorten(sentence)}'", "warning",
                    ))
            for term in jargon.find(plain):
                found_jargon.append(term.term)
                problems.append(Problem(
                    article.path, line_number, f"B1: jargon '{term.term}', write '{term.alternative}'", "warning",
                ))
    score = flesch_douma(" ".join(texts)) if texts else 0.0
    result = Readability(article.id, round(score, 1), sentence_count, word_count, long_count, found_jargon)
    first_body_line = article.sections[0].line if article.sections else 1
    if texts and score < MIN_FLESCH_DOUMA:
        problems.append(Problem(
            article.path, first_body_line,
            f"B1: Flesch-Douma reading ease {score:.0f} (aim for {MIN_FLESCH_DOUMA:.0f} or more): shorter sentences and words",
            "warning",
        ))
    if result.average_sentence_words > MAX_AVERAGE_SENTENCE_WORDS:
        problems.append(Problem(
            article.path, first_body_line,
            f"B1: average sentence length {result.average_sentence_words:.1f} words (max {MAX_AVERAGE_SENTENCE_WORDS:.0f})",
            "warning",
        ))
    return result, problems


def _shorten(sentence: str, limit: int = 60) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


@dataclass
class ReadabilitySummary:
    articles: int
    mean_flesch_douma: float
    min_flesch_douma: float
    below_threshold: int
    mean_sentence_words: float
    long_sentences: int
    jargon_hits: int

    def describe(self) -> str:
        return (
            f"readability over {self.articles} articles: Flesch-Douma mean {self.mean_flesch_douma:.1f} "
            f"(lowest {self.min_flesch_douma:.1f}, {self.below_threshold} below {MIN_FLESCH_DOUMA:.0f}), "
            f"{self.mean_sentence_words:.1f} words per sentence, {self.long_sentences} sentences over "
            f"{MAX_SENTENCE_WORDS} words, {self.jargon_hits} jargon words"
        )


def summarise(scores: list[Readability]) -> ReadabilitySummary | None:
    if not scores:
        return None
    words = sum(score.words for score in scores)
    sentences = sum(score.sentences for score in scores)
    return ReadabilitySummary(
        articles=len(scores),
        mean_flesch_douma=sum(score.flesch_douma for score in scores) / len(scores),
        min_flesch_douma=min(score.flesch_douma for score in scores),
        below_threshold=sum(score.flesch_douma < MIN_FLESCH_DOUMA for score in scores),
        mean_sentence_words=words / sentences if sentences else 0.0,
        long_sentences=sum(score.long_sentences for score in scores),
        jargon_hits=sum(len(score.jargon) for score in scores),
    )

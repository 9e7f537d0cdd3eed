"""Short extractive answers: the sentences of a section that best match the question."""

from __future__ import annotations

from kb.text import content_stems, split_sentences

MAX_ANSWER_CHARS = 300


def extract_answer(question: str, section_text: str, max_chars: int = MAX_ANSWER_CHARS) -> str:
    """The best-matching sentence of the section, plus the next ones while they fit.

    Sentences are scored by the share of the question's content words (stemmed) they contain;
    with no overlap at all the section's opening sentences are the answer.
    """
    sentences = split_sentences(section_text)
    if not sentences:
        return ""
    wanted = set(content_stems(question))
    best_index, best_score = 0, 0.0
    if wanted:
        for index, sentence in enumerate(sentences):
            overlap = len(wanted & set(content_stems(sentence))) / len(wanted)
            if overlap > best_score:
                best_index, best_score = index, overlap
    answer = sentences[best_index]
    for sentence in sentences[best_index + 1 :]:
        if len(answer) + 1 + len(sentence) > max_chars:
            break
        answer = f"{answer} {sentence}"
    if len(answer) > max_chars:
        answer = answer[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return answer


def snippet(section_text: str, max_chars: int = 200) -> str:
    text = " ".join(split_sentences(section_text))
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rsplit(" ", 1)[0] + "…"

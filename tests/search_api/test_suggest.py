"""Suggestions while typing, on the shipped articles (no model): prefixes, typos, compounds."""

import dataclasses

import pytest

from indexer.validate import validate_knowledge_base
from kb.settings import Settings
from search_api.suggest import MAX_SUGGESTIONS, Suggester, compound_parts, normalise

EDITS = ("substitute", "delete", "insert", "swap")


@pytest.fixture(scope="module")
def articles():
    return validate_knowledge_base(Settings()).articles


@pytest.fixture(scope="module")
def suggester(articles) -> Suggester:
    return Suggester(articles)


def suggested(suggester: Suggester, typed: str) -> list[str]:
    return [suggestion.article_id for suggestion in suggester.suggest(typed)]


def texts(suggester: Suggester, typed: str) -> list[str]:
    return [suggestion.text for suggestion in suggester.suggest(typed)]


def typo(text: str, position: int, edit: str) -> str:
    """`text` with one typing error at `position`."""
    if edit == "substitute":
        return text[:position] + ("x" if text[position] != "x" else "q") + text[position + 1 :]
    if edit == "delete":
        return text[:position] + text[position + 1 :]
    if edit == "insert":
        return text[:position] + ("e" if text[position] != "e" else "a") + text[position:]
    return text[:position] + text[position + 1] + text[position] + text[position + 2 :]  # swap with the next letter


def test_the_start_of_a_title_suggests_its_article(articles, suggester):
    """Typing a title, its article is suggested from the 4th character on, whenever at most 8
    titles start with what was typed: titles rank before keywords and questions, so only other
    titles can push it out of the 8. Checked at every length up to the whole title; every title
    is reached this way (on the shipped articles by the 6th character: at most 5 titles share
    their first 6, "Hulp b...")."""
    titles = [normalise(article.meta.title) for article in articles]
    for article in articles:
        checked = 0
        for length in range(4, len(article.meta.title) + 1):
            typed = article.meta.title[:length]
            start = normalise(typed)
            sharing = sum(title.startswith(start) for title in titles)
            if sharing <= MAX_SUGGESTIONS:
                checked += 1
                assert article.id in suggested(suggester, typed), (typed, sharing)
        assert checked, f"no start of '{article.meta.title}' leads to it"


@pytest.mark.parametrize("edit", EDITS)
def test_a_typo_in_the_first_six_letters_of_a_title_still_suggests_it(articles, suggester, edit):
    """One typing error (a letter replaced, left out, added, or swapped with the next) anywhere
    in the first 6 letters of the title's first word, for every title whose first word has 6
    letters or more. Except where the typo gives the start of another word of the suggestions
    ("sloopm" less its s is "loopm", "parkee" plus an r is "parker"): matches without typos
    come first, and rightly so."""
    vocabulary = {
        word
        for article in articles
        for text in (article.meta.title, *article.meta.keywords, *article.meta.questions)
        for word in normalise(text).split()
    }
    checked = 0
    for article in articles:
        word = normalise(article.meta.title).split()[0]
        if len(word) < 6:
            continue
        for position in range(6 if edit != "swap" else 5):
            typed = typo(word[:6], position, edit)
            if any(other.startswith(typed) for other in vocabulary):
                continue
            checked += 1
            assert article.id in suggested(suggester, typed), (word[:6], typed)
    assert checked > 500


def test_prefixes_of_a_title(suggester):
    assert texts(suggester, "parkeer")[0] == "Parkeervergunning voor bewoners"
    assert suggested(suggester, "paspoort aanv")[0] == "paspoort-aanvragen"  # a prefix of the second word
    assert suggested(suggester, "aanvragen pasp")[0] == "paspoort-aanvragen"  # words in another order
    assert "paspoort-aanvragen" in suggested(suggester, "PÄSPOORT")  # case and accents do not matter


def test_typos_are_tolerated(suggester):
    assert texts(suggester, "paspoord")[0] == "Paspoort aanvragen"
    assert texts(suggester, "pasoort")[0] == "Paspoort aanvragen"
    assert "Parkeervergunning voor bewoners" in texts(suggester, "parkeervergunnnig")


def test_a_word_typed_finds_the_compounds_that_end_in_it(suggester):
    found = texts(suggester, "vergunning")
    assert len(found) == MAX_SUGGESTIONS
    assert {"Terrasvergunning", "Evenementenvergunning"} <= set(found)
    assert "Identiteitskaart (ID-kaart) aanvragen" in texts(suggester, "kaart")
    assert "Gehandicaptenparkeerkaart" in texts(suggester, "kaart")


def test_titles_come_first_then_exact_matches_then_typos(suggester):
    suggestions = suggester.suggest("vergunning")
    assert {suggestion.kind for suggestion in suggestions} == {"title"}
    assert suggestions[0].text.lower().startswith("vergunning")  # starting with it before compound parts
    kinds = [suggestion.kind for suggestion in suggester.suggest("zzp")]
    assert kinds == sorted(kinds, key=["title", "keyword", "question"].index)


def test_each_article_once_with_its_title(articles, suggester):
    titles = {article.id: article.meta.title for article in articles}
    for typed in ("paspoort", "hoe vraag ik", "afval", "a"):
        suggestions = suggester.suggest(typed)
        assert len({suggestion.article_id for suggestion in suggestions}) == len(suggestions) == MAX_SUGGESTIONS
        assert all(suggestion.title == titles[suggestion.article_id] for suggestion in suggestions)


def test_example_questions_are_suggested(suggester):
    suggestions = suggester.suggest("hoe vraag ik een nieuw pas")
    assert (suggestions[0].text, suggestions[0].kind) == ("Hoe vraag ik een nieuw paspoort aan?", "question")


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("afsrpaak", "Afspraak maken bij de gemeente"),
        ("bijstant", "Bijstandsuitkering aanvragen"),
        ("kapvergunnig", "Boom kappen: vergunning aanvragen"),
        ("gebooreakte", "Geboorteakte, huwelijksakte of overlijdensakte opvragen"),
    ],
)
def test_a_misspelt_keyword_leads_to_its_title_and_is_not_shown(suggester, typed, title):
    """Editors add misspellings as keywords so that they are found; typing one suggests the title."""
    suggestions = suggester.suggest(typed)
    assert (suggestions[0].text, suggestions[0].kind) == (title, "title")
    assert typed not in {suggestion.text for suggestion in suggestions}


def test_correct_keywords_are_shown(suggester):
    assert ("pasfoto", "keyword", "paspoort-aanvragen") in {
        (suggestion.text, suggestion.kind, suggestion.article_id) for suggestion in suggester.suggest("pasfo")
    }


def test_only_titles_keywords_and_questions_are_suggested_never_staff_notes(articles, suggester):
    """Words that occur only in the staff notes ("Voor medewerkers") suggest nothing from them."""
    allowed = {
        article.id: {(article.meta.title, "title")}
        | {(keyword, "keyword") for keyword in article.meta.keywords}
        | {(question, "question") for question in article.meta.questions}
        for article in articles
    }
    public = {
        word
        for article in articles
        for text in (article.meta.title, *article.meta.keywords, *article.meta.questions)
        for word in normalise(text).split()
    }
    notes = [normalise(article.staff_section.text) for article in articles if article.staff_section]
    staff_only = sorted({word for note in notes for word in note.split() if len(word) > 6} - public)
    assert len(staff_only) > 20
    for typed in [*staff_only[:40], "paspoort", "hoe", "vergunning"]:
        for suggestion in suggester.suggest(typed):
            assert (suggestion.text, suggestion.kind) in allowed[suggestion.article_id]
    for typed in staff_only:
        assert not any(typed in normalise(suggestion.text).split() for suggestion in suggester.suggest(typed))


def test_limit_and_nothing_found(suggester):
    assert len(suggester.suggest("paspoort", limit=3)) == 3
    assert suggester.suggest("qqqqxz") == []
    assert suggester.suggest("   ") == []
    assert Suggester().suggest("paspoort") == []


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("parkeervergunning", ["parkeer", "vergunning"]),
        ("verblijfsvergunning", ["verblijfs", "vergunning"]),  # the linking s
        ("afvalstoffenheffing", ["afval", "stoffen", "heffing"]),
        ("vergunning", ["vergunning"]),  # more common than "gunning": no compound
        ("aanvragen", ["aanvragen"]),  # a verb particle is no part
        ("voorwaarden", ["voorwaarden"]),
    ],
)
def test_compound_parts(word, parts):
    assert compound_parts(word) == parts


def test_rebuilt_from_the_previous_index_it_suggests_what_a_new_one_does(articles, suggester):
    import dataclasses

    first = articles[0]
    changed_meta = first.meta.model_copy(update={"questions": [*first.meta.questions, "Waar laat ik mijn zonnepanelen keuren?"]})
    changed = dataclasses.replace(first, meta=changed_meta, content_hash="edited")
    edited = [changed, *articles[1:]]
    rebuilt, fresh = Suggester(edited, previous=suggester), Suggester(edited)
    for typed in ("zonnepan", "paspoort", "parkeerverg", "grofvuil", "afvalpas", "zonnepanelen keuren"):
        assert texts(rebuilt, typed) == texts(fresh, typed), typed
    assert first.id in suggested(rebuilt, "zonnepanelen keuren")


def test_a_changed_vocabulary_splits_again_exactly_the_compounds_it_touches(articles, suggester):
    fresh = Suggester(articles)
    # a compound whose split needs a word of the knowledge base that is not a common Dutch word
    word, part = next((word, part) for word in sorted(fresh._parts) for part in sorted(fresh._known)
                      if len(part) >= 3 and part in word and part != word
                      and compound_parts(word, fresh._known) != compound_parts(word, fresh._known - {part}))
    before = Suggester(articles)  # as if made when that word was not in the vocabulary yet
    before._known = fresh._known - {part}
    before._parts = {**before._parts, word: compound_parts(word, before._known)}
    untouched = next(other for other in sorted(before._parts) if part not in other)
    rebuilt = Suggester(articles, previous=before)
    assert rebuilt._parts[word] == fresh._parts[word] != before._parts[word]
    assert rebuilt._parts[untouched] is before._parts[untouched]  # kept, not split again
    assert {w: rebuilt._parts[w] for w in fresh._parts} == fresh._parts


def test_words_kept_between_starts_give_the_same_suggestions(articles, suggester, tmp_path):
    from search_api.suggest import SavedWords

    path = tmp_path / "words.json"
    SavedWords.write(path, suggester)
    saved = SavedWords.read(path)
    assert saved is not None and saved.holds(suggester)
    again = Suggester(articles, previous=saved)
    assert again._parts == suggester._parts and again._article_words == suggester._article_words
    for typed in ("paspoort aanv", "vergunning", "paspoord", "afsrpaak", "kap"):
        assert again.suggest(typed) == suggester.suggest(typed), typed
    # an article changed: its words are made anew, and the splits for the new vocabulary
    changed = [*articles[1:], dataclasses.replace(articles[0], content_hash="edited")]
    remade = Suggester(changed, previous=saved)
    assert not saved.holds(remade)  # so the service writes the file anew
    assert remade.suggest("paspoort aanv") == suggester.suggest("paspoort aanv")


def test_words_kept_by_other_rules_or_unreadable_are_not_used(tmp_path):
    from search_api.suggest import SavedWords

    path = tmp_path / "words.json"
    path.write_text('{"rules": "other", "articles": [], "parts": {}}', encoding="utf-8")
    assert SavedWords.read(path) is None
    path.write_text("not json", encoding="utf-8")
    assert SavedWords.read(path) is None
    assert SavedWords.read(tmp_path / "missing.json") is None

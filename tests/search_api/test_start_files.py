"""What the service keeps in its data folder to start faster (the articles' parses, the
suggestions' words) is written at start and at shutdown, and a restart gives the same answers
and suggestions from it."""

from __future__ import annotations

import pytest

from kb.article_cache import CACHE_FILE, read_parsed
from search_api.engine import SearchEngine
from search_api.suggest import WORDS_FILE, SavedWords
from tests.conftest import make_settings, small_content

ARTICLES = ["paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag"]


@pytest.mark.slow
def test_a_restart_reads_the_kept_parses_and_words_and_answers_alike(tmp_path):
    content = small_content(tmp_path / "content", ARTICLES)
    settings = make_settings(tmp_path / "data", content)

    engine = SearchEngine(settings)
    engine.start()
    try:
        first = engine.search("paspoort kwijt").model_dump(exclude={"took_ms", "search_id"})
        typed = [s.text for s in engine.suggester.suggest("grofv")]
        path = content / "huurtoeslag.md"
        path.write_text(path.read_text(encoding="utf-8").replace("## Wat is het?", "## Wat is het?\n\nOok voor een woonboot.", 1),
                        encoding="utf-8")
        engine.reindex(only_ids=["huurtoeslag"])
        edited = engine.articles["huurtoeslag"].content_hash
    finally:
        engine.close()

    kept = read_parsed(settings.data_dir / CACHE_FILE)
    assert (path.name, edited) in kept  # the saved version, kept at shutdown
    assert SavedWords.read(settings.data_dir / WORDS_FILE) is not None

    again = SearchEngine(settings)
    again.start()
    try:
        assert again.search("paspoort kwijt").model_dump(exclude={"took_ms", "search_id"}) == first
        assert [s.text for s in again.suggester.suggest("grofv")] == typed
        assert "woonboot" in again.articles["huurtoeslag"].section("Wat is het?").text
    finally:
        again.close()

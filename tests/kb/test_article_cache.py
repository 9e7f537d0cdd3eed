"""Parsed articles kept between starts: what is read back equals what parsing gives, and only
for unchanged files and the same parser."""

import pickle
import shutil

from kb import articles as articles_module
from kb.article_cache import parser_version, read_parsed, write_parsed
from kb.articles import iter_article_paths, known_parses, parse_article
from tests.conftest import SHIPPED_CONTENT


def test_kept_parses_equal_parsing_and_serve_unchanged_files_only(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    paths = iter_article_paths(content)
    results = [parse_article(path) for path in paths]
    for result in results:
        for section in result.article.sections:
            assert section.text  # made before keeping, as the service does
    cache = tmp_path / "parsed.pickle"
    write_parsed(cache, results)
    kept = read_parsed(cache)
    assert len(kept) == len(paths)
    for result in results:
        again = kept[(result.article.path.name, result.article.content_hash)]
        assert again.article.meta == result.article.meta
        assert [(s.heading, s.markdown, s.line, s.text) for s in again.article.sections] == [
            (s.heading, s.markdown, s.line, s.text) for s in result.article.sections
        ]
        assert again.problems == result.problems

    known_parses(kept)
    try:
        assert parse_article(paths[0]) is kept[(paths[0].name, results[0].article.content_hash)]
        paths[0].write_text(paths[0].read_text(encoding="utf-8").replace("## Wat is het?", "## Wat is het?\n\nNieuw.", 1),
                            encoding="utf-8")
        edited = parse_article(paths[0])
        assert "Nieuw." in edited.article.section("Wat is het?").markdown
    finally:
        articles_module._known.clear()


def test_a_content_folder_that_moved_keeps_its_parses_with_their_new_paths(tmp_path):
    """A deploy into a new release folder: the same files elsewhere are not parsed again."""
    before, after = tmp_path / "release-1" / "content", tmp_path / "release-2" / "content"
    shutil.copytree(SHIPPED_CONTENT, before)
    cache = tmp_path / "parsed.pickle"
    write_parsed(cache, [parse_article(path) for path in iter_article_paths(before)])
    shutil.copytree(before, after)
    articles_module._parse_bytes.cache_clear()
    known_parses(read_parsed(cache))
    try:
        for path in iter_article_paths(after):
            moved = parse_article(path)
            assert articles_module._parse_bytes.cache_info().currsize == 0  # none parsed
            parsed = articles_module._parse_bytes(path, path.read_bytes())
            assert moved.article.path == path and moved == parsed
            articles_module._parse_bytes.cache_clear()
    finally:
        articles_module._known.clear()


def test_parses_kept_by_another_parser_or_unreadable_are_not_used(tmp_path):
    cache = tmp_path / "parsed.pickle"
    cache.write_bytes(pickle.dumps({"parser": "another", "results": {("x", "y"): None}}))
    assert read_parsed(cache) == {}
    cache.write_bytes(b"not a pickle")
    assert read_parsed(cache) == {}
    assert read_parsed(tmp_path / "missing.pickle") == {}
    assert len(parser_version()) == 64

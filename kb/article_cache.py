"""Parsed article files kept between starts of the service.

Parsing the Markdown of the 218 articles and making their sections' plain text takes half a
second of every start; reading the results back takes 0.08 s. They are kept in one file in the
service's own data folder (`data/parsed-articles.pickle`, private like the rest of it), each
under the file's name and the sha256 of its bytes, for one version of the parser: a digest of the
parsing code and the versions of markdown-it, PyYAML and pydantic. An edited file, or another
parser, is parsed again; a file that cannot be read is ignored (and written anew). A content
folder that moved keeps its parses (their paths follow the folder, `kb.articles.known_parses`).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

from kb import articles, yaml_files
from kb.articles import Article, ParseResult, known_parses, parse_article
from kb.private_files import write_private_bytes

log = logging.getLogger(__name__)

CACHE_FILE = "parsed-articles.pickle"
Key = tuple[str, str]  # (the file's name, the sha256 of its bytes)


def parser_version() -> str:
    digest = hashlib.sha256()
    for module in (articles, yaml_files):
        digest.update(Path(module.__file__ or "").read_bytes())
    for package in ("markdown-it-py", "PyYAML", "pydantic"):
        digest.update(f"{package} {version(package)}".encode())
    return digest.hexdigest()


def read_parsed(path: Path) -> dict[Key, ParseResult]:
    """The kept parses, or none when there is no file, another parser wrote it, or it is unreadable."""
    try:
        with path.open("rb") as file:
            saved = pickle.load(file)
        if saved.get("parser") == parser_version():
            return saved["results"]
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a cache: any problem means parsing again
        log.warning("Parsing the articles again: %s cannot be read (%s)", path, exc)
    return {}


def write_parsed(path: Path, results: Iterable[ParseResult]) -> None:
    """Keep the parses of valid articles (invalid files are few and are parsed again)."""
    kept = {(result.article.path.name, result.article.content_hash): result for result in results if result.article}
    write_private_bytes(path, pickle.dumps({"parser": parser_version(), "results": kept}, protocol=pickle.HIGHEST_PROTOCOL))


class KeptParses:
    """The parses a service keeps in `path`: handed to `parse_article` at start (`load`), and
    kept anew when the articles changed (`keep`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._kept: set[Key] = set()

    def load(self) -> None:
        kept = read_parsed(self.path)
        known_parses(kept)
        self._kept = {(str(result.article.path), result.article.content_hash) for result in kept.values() if result.article}

    def keep(self, valid: Iterable[Article]) -> None:
        """Keep the parses of the valid articles (their sections' plain text made by now), unless
        they are kept already. A folder that cannot be written only makes the next start slower."""
        valid = list(valid)
        current = {(str(article.path), article.content_hash) for article in valid}
        if current == self._kept:
            return
        try:
            write_parsed(self.path, (parse_article(article.path) for article in valid))
            self._kept = current
        except OSError as exc:
            log.warning("The articles' parses are not kept: %s", exc)

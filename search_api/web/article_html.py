"""An article's public sections as HTML (markdown-it-py, raw HTML off): links to other articles
(`other-article.md`) lead to their page under `/zoeken/artikel/`."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

from kb.articles import Section

ARTICLE_URL = "/zoeken/artikel/{}"
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


def _headings_below_h2(tokens: list) -> None:
    """Headings inside a section sit below the section's own `<h2>`: the highest becomes `<h3>`."""
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    if not headings:
        return
    shift = 3 - min(int(token.tag[1]) for token in headings)
    for token in headings:
        token.tag = f"h{min(6, int(token.tag[1]) + shift)}"


def section_html(section: Section, known_ids: set[str] | frozenset[str]) -> Markup:
    tokens = _markdown.parse(section.markdown)
    _headings_below_h2(tokens)
    for token in tokens:
        for child in token.children or []:
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            target = href.removeprefix("./").split("#")[0]
            if target.endswith(".md") and target[:-3] in known_ids:
                child.attrSet("href", ARTICLE_URL.format(target[:-3]))
    return Markup(_markdown.renderer.render(tokens, _markdown.options, {}))

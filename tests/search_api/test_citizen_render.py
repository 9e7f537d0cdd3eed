"""What the citizen pages render from text: marked search words (escaped first), articles from
their Markdown (raw HTML off, links between articles to their pages, no notes for staff)."""

from __future__ import annotations

from kb.articles import Section, parse_article
from kb.settings import PROJECT_DIR
from search_api.notices import NOTICES, notice_for
from search_api.web.article_html import section_html
from search_api.web.highlight import highlight, query_terms


def test_search_words_are_marked_by_their_stem_and_compound_parts():
    terms = query_terms("parkeren vergunning")
    marked = highlight("Een parkeervergunning vraagt u aan. Parkeer niet op de stoep.", terms)
    assert marked == "Een <mark>parkeervergunning</mark> vraagt u aan. <mark>Parkeer</mark> niet op de stoep."


def test_text_is_escaped_before_it_is_marked():
    terms = query_terms("<script>alert(1)</script> paspoort")
    marked = highlight('<script>alert("x")</script> & paspoort <b>', terms)
    assert "<script>" not in marked and "<b>" not in marked
    assert marked == '&lt;<mark>script</mark>&gt;<mark>alert</mark>(&#34;x&#34;)&lt;/<mark>script</mark>&gt; &amp; <mark>paspoort</mark> &lt;b&gt;'


def test_stop_words_are_not_marked():
    assert highlight("Hoe vraag ik het aan", query_terms("hoe het")) == "Hoe vraag ik het aan"


def test_article_markdown_without_raw_html_and_with_links_to_article_pages():
    section = Section(
        heading="Hoe vraag ik het aan?",
        markdown="Zie [Afvalpas](afvalpas-en-containers.md) of [de site](https://www.voorbeeldstad.nl).\n\n"
                 "<script>alert(1)</script>\n\n[kwijt](onbekend.md) [x](javascript:alert(1))",
        line=1,
    )
    rendered = section_html(section, {"afvalpas-en-containers"})
    assert '<a href="/zoeken/artikel/afvalpas-en-containers">Afvalpas</a>' in rendered
    assert '<a href="https://www.voorbeeldstad.nl">de site</a>' in rendered
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert 'href="onbekend.md"' in rendered and 'href="javascript' not in rendered


def test_public_sections_of_an_article_hold_no_staff_notes():
    article = parse_article(PROJECT_DIR / "kb" / "content" / "afval-niet-opgehaald.md").article
    rendered = "".join(section_html(section, set()) for section in article.public_sections)
    assert "Voor medewerkers" not in rendered and "vertraging had" not in rendered
    assert "<ol>" in rendered


def test_every_notice_names_the_phone_number_in_its_own_language():
    assert notice_for("nl", "paspoort kwijt") is None and notice_for(None, "xyz abc") is None
    assert notice_for("de", "kosten") is None  # one word: Dutch as well as German
    assert notice_for("en", "passport lost").lang == "en"
    assert set(NOTICES) == {"en", "de", "fr", "es", "tr", "pl", "uk", "ar"}
    assert all("{phone}" in notice.text for notice in NOTICES.values())
    assert NOTICES["ar"].direction == "rtl"


def test_a_part_of_a_compound_in_the_text_is_not_marked_for_the_whole_word():
    assert highlight("Een nieuwe pas of een zakenpaspoort", query_terms("paspoort")) == (
        "Een nieuwe pas of een <mark>zakenpaspoort</mark>"
    )

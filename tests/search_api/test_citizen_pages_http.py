"""The citizen search pages without JavaScript, over real HTTP with a plain client: the form,
answers, departments, "Bedoelt u", off-topic, article pages and feedback (POST, 303, thank-you)."""

from __future__ import annotations

import html
import random
import re
import string

import pytest

from search_api.web.pages import PAGE_CSP

pytestmark = pytest.mark.slow

OUTSIDE_BODY = "ik ben ontslagen, hoe vraag ik WW aan"
AMBIGUOUS = "ik wil een container"
OFF_TOPIC = "recept appeltaart"
ARTICLE_WITH_STAFF_NOTES = "afval-niet-opgehaald"


def letters() -> str:
    """A marker without digits (digit runs are masked as personal data)."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


def page(client, path: str, **params):
    response = client.get(path, params=params or None)
    assert response.headers["content-type"].startswith("text/html"), response.text[:200]
    return response, response.text


def links(text: str, pattern: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'href="({pattern}[^"]*)"', text)]


def test_start_page_is_a_plain_search_form(client):
    response, text = page(client, "/zoeken")
    assert response.status_code == 200
    assert '<html lang="nl"' in text
    assert '<form role="search" method="get" action="/zoeken"' in text
    assert '<label for="zoekvraag"' in text and 'id="zoekvraag" name="q"' in text
    assert "<script>" not in text and "style=" not in text  # nothing inline: the CSP allows none
    blank, blank_text = page(client, "/zoeken", q="   ")
    assert blank.status_code == 200 and "Zoekresultaten" not in blank_text


def test_headers_of_the_pages_and_static_files(client):
    response, _ = page(client, "/zoeken", q="paspoort")
    assert response.headers["content-security-policy"] == PAGE_CSP.format("'none'")
    assert "script-src 'self';" in PAGE_CSP and "'unsafe-inline'" not in PAGE_CSP
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    for asset, kind in (("zoeken.css", "text/css"), ("zoeken.js", "javascript")):
        static = client.get(f"/zoeken/static/{asset}")
        assert static.status_code == 200 and kind in static.headers["content-type"]
        assert static.headers["cache-control"] == "public, max-age=86400"


def test_an_answer_with_its_department_and_highlighted_results(client):
    # about the passport itself: for "wat kost een paspoort" the evaluation set counts the fee
    # table (leges-tarieven, department belastingen) as right too
    api = client.get("/search", params={"q": "wat kost een nieuw paspoort"}).json()
    response, text = page(client, "/zoeken", q="wat kost een nieuw paspoort")
    assert response.status_code == 200
    # the same engine answer as the API, with its source section and a link to the whole article
    assert html.escape(api["answer"]["text"], quote=False) in text
    assert f"onderdeel '{api['answer']['section']}'" in text
    answer_link = links(text, "/zoeken/artikel/")[0]  # with the search's id and its position for the search log
    assert re.fullmatch(r"/zoeken/artikel/paspoort-aanvragen\?q=wat\+kost\+een\+nieuw\+paspoort&zoekopdracht=[0-9a-f]{32}&positie=0",
                        answer_link)
    assert "Hiermee helpt Burgerzaken u verder" in text and "14 0999" in text and "Openingstijden" in text
    assert "<mark>Paspoort</mark>" in text and "<mark>kosten</mark>" in text
    found = re.findall(r'<li class="vbs-result">', text)
    assert len(found) == len(api["results"])
    assert f"De beste {len(api['results'])} resultaten" in text
    more = links(text, "/zoeken")
    assert "/zoeken?q=wat+kost+een+nieuw+paspoort&meer=1" in more
    _, all_results = page(client, "/zoeken?q=wat+kost+een+nieuw+paspoort&meer=1")
    assert len(api["results"]) < all_results.count('<li class="vbs-result">') <= 20
    assert "resultaten gevonden" in all_results and "Meer resultaten" not in all_results
    assert "Was dit antwoord nuttig?" in text


def test_an_outside_body(client):
    _, text = page(client, "/zoeken", q=OUTSIDE_BODY)
    assert "Dit regelt u niet bij de gemeente, maar bij UWV" in text
    assert "uwv.nl" in text


def test_did_you_mean_links_narrow_the_results_to_one_department(client):
    api = client.get("/search", params={"q": AMBIGUOUS}).json()
    assert api["routing"]["status"] == "ambiguous", api["routing"]
    _, text = page(client, "/zoeken", q=AMBIGUOUS)
    assert "Bedoelt u ...?" in text
    choices = links(text, r"/zoeken\?q=")
    choices = [href for href in choices if "afdeling=" in href]
    assert [href.rsplit("afdeling=", 1)[1] for href in choices] == [a["id"] for a in api["routing"]["alternatives"]]
    for href, alternative in zip(choices, api["routing"]["alternatives"]):
        _, narrowed = page(client, href)
        assert f"U ziet alleen resultaten van <strong>{html.escape(alternative['name'])}</strong>" in narrowed
        shown = links(narrowed, "/zoeken/artikel/")
        articles = client.get("/articles").json()
        department_of = {article["id"]: article["department_id"] for article in articles}
        results = re.findall(r'<h3 class="utrecht-heading-3 vbs-result__title"><a class="utrecht-link" href="/zoeken/artikel/([^?"]+)', narrowed)
        assert shown and all(department_of[article] == alternative["id"] for article in results)
        assert "Bedoelt u ...?" not in narrowed


def test_an_off_topic_question_is_answered_honestly(client):
    _, text = page(client, "/zoeken", q=OFF_TOPIC)
    assert "Hierover hebben we geen informatie" in text
    assert "Tips om beter te zoeken" in text
    assert "Klantcontactcentrum" in text and "info@voorbeeldstad.nl" in text
    assert "Antwoord</h2>" not in text
    assert "wij weten niet zeker of deze pagina's uw vraag beantwoorden" in text
    assert "vbs-result-list--uncertain" in text
    _, narrowed = page(client, "/zoeken", q=OFF_TOPIC, afdeling="afval")  # nothing to narrow
    assert "Hierover hebben we geen informatie" in narrowed and "U ziet alleen resultaten" not in narrowed


def test_a_notice_in_the_language_of_the_question(client):
    _, text = page(client, "/zoeken", q="how do I register my new address after moving")
    assert '<p class="vbs-language-notice" lang="en" dir="ltr">This information is in Dutch.' in text
    _, dutch = page(client, "/zoeken", q="verhuizing doorgeven")
    assert "vbs-language-notice" not in dutch


def test_what_was_typed_is_escaped(client):
    attack = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    response, text = page(client, "/zoeken", q=attack)
    assert response.status_code == 200
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img' in text


def test_a_too_long_question_gets_a_dutch_message_on_the_page(client):
    response, text = page(client, "/zoeken", q="paspoort " * 100)
    assert response.status_code == 422
    assert "De vraag is te lang" in text and 'aria-invalid="true"' in text


def test_article_page_shows_public_sections_only(client):
    response, text = page(client, f"/zoeken/artikel/{ARTICLE_WITH_STAFF_NOTES}")
    assert response.status_code == 200
    assert "<h1 class=\"utrecht-heading-1\">Afval niet opgehaald</h1>" in text
    assert "<h2 class=\"utrecht-heading-2\">Hoe vraag ik het aan?</h2>" in text and "<ol>" in text
    assert "Voor medewerkers" not in text and "vertraging had" not in text
    # links between articles lead to their page
    assert 'href="/zoeken/artikel/afvalpas-en-containers"' in text
    assert "Gaf deze pagina antwoord" not in text  # no question, no feedback form
    missing, missing_text = page(client, "/zoeken/artikel/bestaat-niet")
    assert missing.status_code == 404 and "Pagina niet gevonden" in missing_text


def test_feedback_without_javascript(client, staff_headers):
    marker = letters()
    query = "wat kost een paspoort"
    _, text = page(client, "/zoeken", q=query)
    article = re.search(r'name="artikel" value="([^"]+)"', text).group(1)
    department = re.search(r'name="afdeling_getoond" value="([^"]+)"', text).group(1)
    search_id = re.search(r'name="zoekopdracht" value="([0-9a-f]{32})"', text).group(1)
    form = {"q": query, "artikel": article, "afdeling_getoond": department, "pagina": "zoeken", "zoekopdracht": search_id,
            "nuttig": "nee", "opmerking": f"Ik mis de prijs voor kinderen {marker}"}
    sent = client.post("/zoeken/feedback", data=form)
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location.startswith("/zoeken?q=") and location.endswith("#feedback") and f"zoekopdracht={search_id}" in location
    _, thanks = page(client, location.split("#")[0])
    assert "Bedankt voor uw reactie" in thanks and "Was dit antwoord nuttig?" not in thanks
    recent = client.get("/quality/feedback", headers=staff_headers).json()["recent"]
    mine = [row for row in recent if marker in (row["comment"] or "")]
    assert len(mine) == 1
    assert mine[0] | {"time": None} == {
        "time": None, "query": query, "article_id": article, "department_id": department, "helpful": False,
        "comment": f"Ik mis de prijs voor kinderen {marker}", "channel": "web", "search_id": search_id,
    }


def test_feedback_from_an_article_page_returns_there(client, staff_headers):
    marker = letters()
    _, text = page(client, f"/zoeken/artikel/{ARTICLE_WITH_STAFF_NOTES}", q=f"bak niet geleegd {marker}")
    assert "Gaf deze pagina antwoord op uw vraag?" in text
    sent = client.post("/zoeken/feedback", data={
        "q": f"bak niet geleegd {marker}", "artikel": ARTICLE_WITH_STAFF_NOTES, "pagina": "artikel", "nuttig": "ja",
    })
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"/zoeken/artikel/{ARTICLE_WITH_STAFF_NOTES}?q=")
    _, thanks = page(client, sent.headers["location"].split("#")[0])
    assert "Bedankt voor uw reactie" in thanks
    recent = client.get("/quality/feedback", headers=staff_headers).json()["recent"]
    assert [(row["helpful"], row["channel"]) for row in recent if marker in row["query"]] == [(True, "web")]


@pytest.mark.parametrize("form,reason", [
    ({"q": "paspoort"}, "Kies Ja of Nee."),
    ({"q": "paspoort", "nuttig": "ja", "opmerking": "x" * 1001}, "Uw opmerking is te lang"),
    ({"q": "paspoort", "nuttig": "ja", "artikel": "bestaat-niet"}, "Uw reactie kon niet worden verwerkt"),
    ({"q": "", "nuttig": "ja"}, "Uw reactie kon niet worden verwerkt"),
])
def test_a_wrong_feedback_form_is_shown_again_with_the_reason(client, form, reason):
    response = client.post("/zoeken/feedback", data={"pagina": "zoeken", **form})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert reason in response.text


def test_the_start_page_opens_every_life_event(client, api_settings):
    from kb.life_events import load_life_events

    events = load_life_events(api_settings.life_events_file)
    _, text = page(client, "/zoeken")
    assert "Wat gebeurt er in uw leven?" in text
    assert links(text, "/zoeken/levensgebeurtenis/") == [f"/zoeken/levensgebeurtenis/{event.id}" for event in events]
    assert all(html.escape(event.title) in text for event in events)


def test_a_life_event_lists_its_articles_most_asked_first(client, api_settings):
    from kb.articles import parse_article
    from kb.life_events import event_articles, load_life_events

    moving = next(event for event in load_life_events(api_settings.life_events_file) if event.id == "verhuizen")
    articles = [parse_article(path).article for path in sorted(api_settings.content_dir.glob("*.md"))]
    expected = [article.id for article in event_articles(moving, [a for a in articles if a is not None])]
    response, text = page(client, "/zoeken/levensgebeurtenis/verhuizen")
    assert response.status_code == 200 and response.headers["content-security-policy"] == PAGE_CSP.format("'none'")
    shown = [href.removeprefix("/zoeken/artikel/") for href in links(text, "/zoeken/artikel/")]
    assert shown == expected and shown[:3] == moving.first[:3]
    assert "Voor medewerkers" not in text


def test_an_unknown_life_event_is_a_dutch_404_page(client):
    response, text = page(client, "/zoeken/levensgebeurtenis/bestaat-niet")
    assert response.status_code == 404 and "Pagina niet gevonden" in text


@pytest.mark.parametrize("path", ["/zoeken?q=paspoort%00", "/zoeken/artikel/paspoort%EF%BF%BF"])
def test_a_refused_page_request_is_a_dutch_page(client, path):
    response = client.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "niet is toegestaan" in response.text and response.headers["content-security-policy"] == PAGE_CSP.format("'none'")
    assert client.get("/search?q=paspoort%00").headers["content-type"] == "application/json"


def test_pages_while_the_search_starts(client, live_server):
    """Before the engine is ready (the first minutes after a start on empty data), every page says
    so in Dutch with 503 and Retry-After, instead of an error in JSON."""
    from search_api.engine import SearchEngine

    running = live_server.app.state.engine
    live_server.app.state.engine = SearchEngine(live_server.settings)  # not started
    try:
        pages = [client.get(path) for path in (
            "/zoeken?q=paspoort", "/zoeken/artikel/paspoort-aanvragen", "/zoeken/levensgebeurtenis/verhuizen",
        )]
    finally:
        live_server.app.state.engine = running
    for response in pages:
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert response.headers["content-type"].startswith("text/html")
        assert "De zoekfunctie start nog op" in response.text and "Traceback" not in response.text

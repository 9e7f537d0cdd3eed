"""The search widget on another web site, in a real browser (Debian's chromium through Playwright).

The municipality's site is played by a real HTTP server on another origin (`WIDGET_HOST_ORIGIN`,
one of the test API's `KB_ALLOWED_ORIGINS`) serving a page with a strict Content-Security-Policy
(scripts and connections only to the search service, no inline style) and the lines `kb widget`
prints, integrity hash included. The widget must: load under that policy, search, suggest and
take feedback with the keyboard alone, set no cookie, ask nobody but the search service, log its
searches as channel `widget` with the result opened (by the service's article page, or by
`POST /clicks` when the site's own pages are linked), take the site's theme through NL Design
System custom properties, and show no axe-core violation in any state at desktop width and at
320 px. With KB_SCREENSHOT_DIR set, the states are saved as PNGs."""

from __future__ import annotations

import csv
import io
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from search_api.web.widget import embed_lines
from tests.browser.conftest import violations
from tests.conftest import WIDGET_HOST, WIDGET_HOST_ORIGIN, WIDGET_HOST_PORT

pytestmark = pytest.mark.slow
ANSWER = "wat kost een nieuw paspoort"  # about the passport itself (the fee table is right too for the shorter one)
AMBIGUOUS = "ik wil een container"
OFF_TOPIC = "recept appeltaart"
ENGLISH = "how do I register my new address after moving"
WIDTHS = {"desktop": 1280, "320px": 320}
THEME_COLOR = "rgb(139, 0, 0)"
#: The focused element, looked up through open shadow roots
DEEP_FOCUS = "(() => { let el = document.activeElement; while (el && el.shadowRoot && el.shadowRoot.activeElement) " \
             "el = el.shadowRoot.activeElement; return el; })()"


def host_page(service: str) -> bytes:
    lines = "\n".join(embed_lines(service))
    return f"""<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gemeente Voorbeeldstad</title>
<link rel="stylesheet" href="/site.css">
</head>
<body>
<main>
<h1>Welkom bij gemeente Voorbeeldstad</h1>
{lines}
</main>
</body>
</html>""".encode()


SITE_CSS = b"body { margin: 0 1rem; font-family: sans-serif; }\n" \
           b".gethemed kb-zoeken { --utrecht-button-primary-action-background-color: #8b0000; }\n"


@pytest.fixture(scope="module")
def web_site(live_api):
    """The municipality's web site: a real server on another origin with a strict policy."""
    page = host_page(live_api)
    policy = (f"default-src 'none'; script-src {live_api}; connect-src {live_api}; style-src 'self'; "
              "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

    class Site(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            body, kind = (SITE_CSS, "text/css") if self.path == "/site.css" else (page, "text/html; charset=utf-8")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((WIDGET_HOST, WIDGET_HOST_PORT), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield WIDGET_HOST_ORIGIN
    server.shutdown()
    server.server_close()


def watch(page, live_api: str, web_site: str) -> list[str]:
    """Script errors, policy violations and requests to anyone but the site and the service."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: problems.append(f"request to {request.url}")
            if not request.url.startswith((live_api, web_site)) else None)
    return problems


def widget(page):
    return page.locator("kb-zoeken")


def ask(page, question: str) -> None:
    box = page.get_by_role("combobox", name="Wat wilt u weten?")
    box.fill(question)
    box.press("Enter")
    page.get_by_role("button", name="Verstuur").wait_for()


def tab_to(page, check: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = {DEEP_FOCUS}; return !!(el && ({check})); }}"):
            return
    raise AssertionError(f"Tab never reached {check}")


def test_keyboard_only_on_another_site_under_its_policy(browser, live_api, web_site, client, staff_headers):
    context = browser.new_context(base_url=web_site, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    problems = watch(page, live_api, web_site)
    page.goto("/")
    box = page.get_by_role("combobox", name="Wat wilt u weten?")
    box.wait_for()

    tab_to(page, "el.id === 'vraag'")
    page.keyboard.type("paspoo", delay=40)
    page.get_by_role("listbox", name="Suggesties").wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    for key in ("ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp"):
        page.keyboard.press(key)
    assert box.get_attribute("aria-activedescendant") == "suggestie-1"
    option = widget(page).locator("#suggestie-1")
    assert option.get_attribute("aria-selected") == "true"
    chosen = option.evaluate("el => el.firstChild.textContent")
    page.keyboard.press("Enter")
    widget(page).get_by_role("heading", name="Antwoord").wait_for()
    assert box.input_value() == chosen
    expect(widget(page).get_by_role("status")).to_contain_text("resultaten gevonden")  # announced politely

    tab_to(page, "el.name === 'nuttig'")
    page.keyboard.press("Space")
    tab_to(page, "el.id === 'opmerking'", limit=3)
    page.keyboard.type("Handig op de website")
    tab_to(page, "el.type === 'submit'", limit=3)
    page.keyboard.press("Enter")
    thanks = widget(page).get_by_role("heading", name="Bedankt voor uw reactie")
    thanks.wait_for()
    assert page.evaluate(f"() => {DEEP_FOCUS}.textContent") == "Bedankt voor uw reactie"

    stored = client.get("/quality/feedback", headers=staff_headers).json()["recent"]
    mine = next(r for r in stored if r["query"] == chosen and r["comment"] == "Handig op de website")
    assert mine["channel"] == "web" and mine["search_id"]
    assert context.cookies() == []  # neither the site nor the service set one
    assert problems == []
    context.close()


def logged(client, staff_headers, question: str) -> list[dict]:
    export = client.get("/quality/searches.csv", headers=staff_headers).text
    return [row for row in csv.DictReader(io.StringIO(export)) if row["vraag"] == question]


@pytest.mark.parametrize("own_pages", [False, True], ids=["service-pages", "site-pages"])
def test_the_result_opened_is_logged(browser, live_api, web_site, client, staff_headers, own_pages):
    context = browser.new_context(base_url=web_site, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(60_000)
    problems = watch(page, live_api, web_site)
    page.goto("/")
    if own_pages:
        page.evaluate("() => document.querySelector('kb-zoeken').setAttribute('article-url', '/producten/{id}')")
    question = f"{ANSWER} {'eigen' if own_pages else 'dienst'} site"
    ask(page, question)
    link = widget(page).locator("li.result a").nth(1)
    if own_pages:
        with page.expect_request(f"{live_api}/clicks") as click:
            link.click()
        assert click.value.post_data_json["position"] == 2
        page.wait_for_url(f"{web_site}/producten/*")
        click.value.response()  # the service has answered
    else:
        link.click()
        page.wait_for_url(f"{live_api}/zoeken/artikel/*")
    [row] = logged(client, staff_headers, question)
    assert (row["kanaal"], row["klikken"], row["posities_geklikt"]) == ("widget", "1", "2")
    assert problems == []
    context.close()


def test_choosing_a_department_and_back(browser, live_api, web_site):
    context = browser.new_context(base_url=web_site, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(60_000)
    problems = watch(page, live_api, web_site)
    page.goto("/")
    ask(page, AMBIGUOUS)
    choices = widget(page).get_by_role("heading", name="Bedoelt u ...?").locator("xpath=..").get_by_role("button")
    name = choices.first.text_content()
    choices.first.click()
    widget(page).get_by_text("U ziet alleen resultaten van").wait_for()
    assert widget(page).locator("strong", has_text=name).count() == 1
    widget(page).get_by_role("button", name="Toon alle resultaten").click()
    widget(page).get_by_role("heading", name="Bedoelt u ...?").wait_for()
    assert problems == []
    context.close()


def test_the_site_themes_the_widget(browser, live_api, web_site):
    context = browser.new_context(base_url=web_site)
    page = context.new_page()
    page.goto("/")
    button = widget(page).get_by_role("button", name="Zoeken")
    button.wait_for()
    default = button.evaluate("el => getComputedStyle(el).backgroundColor")
    assert default == "rgb(0, 82, 122)"  # Voorbeeldstad's primary colour
    page.evaluate("() => document.body.classList.add('gethemed')")
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == THEME_COLOR
    context.close()


@pytest.fixture(scope="module", params=sorted(WIDTHS))
def axe_page(request, browser, web_site):
    context = browser.new_context(
        base_url=web_site, bypass_csp=True, locale="nl-NL", viewport={"width": WIDTHS[request.param], "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.width_name = request.param
    yield page
    context.close()


def open_suggestions(page) -> None:
    box = page.get_by_role("combobox", name="Wat wilt u weten?")
    box.press_sequentially("parkeer", delay=30)
    widget(page).get_by_role("listbox", name="Suggesties").wait_for()
    box.press("ArrowDown")


def send_feedback(page) -> None:
    ask(page, ANSWER)
    widget(page).get_by_label("Ja", exact=True).check()
    widget(page).get_by_role("button", name="Verstuur").click()
    widget(page).get_by_role("heading", name="Bedankt voor uw reactie").wait_for()


def narrowed(page) -> None:
    ask(page, AMBIGUOUS)
    widget(page).get_by_role("heading", name="Bedoelt u ...?").locator("xpath=..").get_by_role("button").first.click()
    widget(page).get_by_text("U ziet alleen resultaten van").wait_for()


STATES = {
    "start": lambda page: None,
    "suggesties": open_suggestions,
    "antwoord": lambda page: ask(page, ANSWER),
    "bedoelt-u": lambda page: ask(page, AMBIGUOUS),
    "afdeling-gekozen": narrowed,
    "geen-informatie": lambda page: ask(page, OFF_TOPIC),
    "andere-taal": lambda page: ask(page, ENGLISH),
    "bedankt": send_feedback,
}


@pytest.mark.parametrize("state", list(STATES))
def test_no_accessibility_violations(axe_page, state):
    axe_page.goto("/")
    axe_page.get_by_role("combobox", name="Wat wilt u weten?").wait_for()
    STATES[state](axe_page)
    if state == "suggesties":
        assert axe_page.get_by_role("combobox").get_attribute("aria-expanded") == "true"
    directory = os.environ.get("KB_SCREENSHOT_DIR")
    if directory and (axe_page.width_name == "desktop" or state in ("antwoord", "suggesties")):
        suffix = "" if axe_page.width_name == "desktop" else f"-{axe_page.width_name}"
        axe_page.screenshot(path=str(Path(directory) / f"widget-{state}{suffix}.png"))
    assert violations(axe_page) == []
    assert axe_page.evaluate("() => document.documentElement.scrollWidth") <= WIDTHS[axe_page.width_name]


def test_the_service_refuses_searches_from_sites_it_does_not_know(live_api, web_site):
    known = httpx.get(f"{live_api}/search", params={"q": "paspoort"}, headers={"Origin": web_site})
    assert known.headers["access-control-allow-origin"] == web_site
    unknown = httpx.get(f"{live_api}/search", params={"q": "paspoort"}, headers={"Origin": "https://elders.example"})
    assert "access-control-allow-origin" not in unknown.headers

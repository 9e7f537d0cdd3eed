"""End to end: the real API and the real console (`kb console`), driven in headless Chromium.

Uses Debian's chromium through Playwright (no browser download). With KB_SCREENSHOT_DIR set
(`make screenshots` sets it to docs/), it also saves a screenshot of every page for docs/console.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kb.settings import PROJECT_DIR
from search_api.storage.db import open_database
from search_api.storage.insight_bench import PoolQuestion, generate, question_pool, utc_now
from search_api.storage.normalize import normalize
from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN, STAFF_TOKEN, free_port

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
QUESTION = "ik ben ontslagen, hoe vraag ik WW aan"


@pytest.fixture(scope="module")
def console_url(live_api, api_settings, tmp_path_factory):
    """`kb console` on a free port, pointed at the test API with the test tokens."""
    port = free_port()
    env = {
        **os.environ,
        "KB_API_URL": live_api,
        "KB_STAFF_TOKEN": STAFF_TOKEN,
        "KB_EDITOR_TOKEN": EDITOR_TOKEN,
        "KB_ADMIN_TOKEN": ADMIN_TOKEN,
        "KB_CONTENT_DIR": str(api_settings.content_dir),
        "KB_DATA_DIR": str(tmp_path_factory.mktemp("console-data")),
    }
    kb = Path(sys.executable).with_name("kb")
    process = subprocess.Popen([str(kb), "console", "--port", str(port)], env=env, cwd=PROJECT_DIR,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"console did not start: {process.stderr.read().decode(errors='replace')}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def page(console_url):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `apt-get install chromium` (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
        page.set_default_timeout(60_000)
        page.goto(console_url)
        yield page
        browser.close()


def screenshot(page, name: str) -> None:
    directory = os.environ.get("KB_SCREENSHOT_DIR")
    if directory:
        page.wait_for_timeout(500)  # let Streamlit finish its fade-in
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def test_search_a_question_and_see_the_department(page):
    box = page.get_by_label("Vraag van de inwoner")
    box.fill(QUESTION)
    box.press("Enter")
    department = page.get_by_text("Externe organisatie: UWV")
    department.wait_for()
    assert "UWV" in department.inner_text()
    page.get_by_text("Voor medewerkers").first.wait_for()
    screenshot(page, "zoeken")
    page.get_by_role("button", name="Nuttig", exact=False).first.click()
    page.get_by_text("Feedback doorgegeven").wait_for()


def test_editor_opens_the_article_editor(page):
    token = page.get_by_label("Token (leeg: medewerker klantcontact)")
    token.fill(EDITOR_TOKEN)
    token.press("Enter")
    page.get_by_text("Aangemeld als redacteur").wait_for()
    page.get_by_test_id("stRadioGroup").get_by_text("Artikelen", exact=True).click()
    page.get_by_text("Opslaan en herindexeren").wait_for()
    page.get_by_text("Voorbeeld", exact=True).wait_for()
    screenshot(page, "artikelen")


def test_quality_page_shows_the_figures(page, eval_report):
    page.get_by_test_id("stRadioGroup").get_by_text("Kwaliteit", exact=True).click()
    page.get_by_text("Juiste artikel bovenaan").first.wait_for()  # a headline figure and a row of the targets
    page.get_by_text("Doelen", exact=True).wait_for()
    page.get_by_text("Per soort vraag").wait_for()
    page.get_by_role("heading", name="Kwaliteit").scroll_into_view_if_needed()
    screenshot(page, "kwaliteit")


#: Two weeks of searches for the page Inzicht: questions citizens ask, several in more than one way
#: (the page groups those by meaning), and some the knowledge base has no answer for
LOGGED = {
    "paspoort-aanvragen": ["paspoort verlengen", "hoe kan ik mijn paspoort verlengen", "paspoord verlengen",
                           "wat kost een paspoort", "kosten paspoort"],
    "identiteitskaart-aanvragen": ["id kaart aanvragen", "identiteitskaart aanvragen"],
    "grofvuil-ophalen": ["grofvuil ophalen", "grofvuil laten ophalen"],
    "verhuizing-doorgeven": ["verhuizing doorgeven", "verhuizing doorgeven online"],
    "hondenbelasting": ["hondenbelasting", "hondenbelasting betalen"],
    "bijstandsuitkering": ["bijstand aanvragen", "bijstandsuitkering aanvragen"],
    "geboorte-aangeven": ["geboorteaangifte", "aangifte geboorte doen"],
    "parkeervergunning-bewoners": ["parkeervergunning aanvragen"],
    "afval-niet-opgehaald": ["container niet geleegd"],
    "rijbewijs-verlengen": ["rijbewijs verlengen"],
    None: ["wanneer is de kermis", "wanneer komt de kermis", "zwembad openingstijden", "openingstijden zwembad",
           "openingstijden bioscoop", "bioscoop openingstijden", "weerbericht morgen", "goedkope vliegtickets"],
}


@pytest.fixture(scope="module")
def two_weeks_of_searches(api_settings, client):
    """Two weeks of searches in the test API's log, so that the page has days, groups and gaps to show:
    2,000 written as `kb bench-insight` writes them, then a search through the API with a result
    opened and a remark."""
    departments = {q.article: q.department for q in question_pool(api_settings) if q.article}
    pool = [PoolQuestion(text, normalize(text), article, departments.get(article), "nl")
            for article, texts in LOGGED.items() for text in texts]
    engine = open_database(api_settings)
    try:
        generate(engine, pool, 2000, now=utc_now(), days=14, seed=3, hard_share=0)
    finally:
        engine.dispose()
    first = client.get("/search", params={"q": "paspoort verlengen"}).json()
    client.post("/clicks", json={"search_id": first["search_id"], "article_id": first["results"][0]["article_id"], "position": 1})
    client.post("/feedback", json={"query": "paspoort verlengen", "article_id": "paspoort-aanvragen", "helpful": False,
                                   "comment": "Wat kost het voor een kind?", "search_id": first["search_id"]})


def test_insight_page_shows_what_citizens_asked(page, two_weeks_of_searches):
    page.get_by_test_id("stRadioGroup").get_by_text("Inzicht", exact=True).click()
    page.get_by_text("Zoekvragen per dag").wait_for()
    page.get_by_text("Hoe de zoekvragen afliepen").wait_for()
    page.get_by_test_id("stVegaLiteChart").first.wait_for()
    page.get_by_role("heading", name="Inzicht").scroll_into_view_if_needed()
    screenshot(page, "inzicht")
    page.get_by_text("Meest gestelde vragen").scroll_into_view_if_needed()
    page.get_by_text("Vragen met dezelfde betekenis zijn samengevoegd", exact=False).wait_for()
    screenshot(page, "inzicht-vragen")
    page.get_by_role("heading", name="Waar informatie ontbreekt").wait_for()
    page.get_by_text("Zo vroegen inwoners het:").wait_for()
    page.get_by_role("button", name="Toevoegen aan evaluatieset").wait_for()  # signed in as editor above
    page.get_by_role("button", name="Nieuw artikel met deze vragen").scroll_into_view_if_needed()
    screenshot(page, "inzicht-ontbreekt")

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

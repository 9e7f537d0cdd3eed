"""The citizen search pages in a real browser (Debian's chromium through Playwright): axe-core
finds no accessibility violation in any state, at desktop width and at 320 px, and the whole
flow works with the keyboard alone under the pages' Content-Security-Policy.

axe-core comes from `tests/browser/node_modules` (`npm ci --prefix tests/browser`, run by
`make test`), never from a CDN. The page's CSP forbids any other script, so the axe checks run
in a browser context that bypasses CSP; the keyboard test runs with the CSP enforced and fails on
any CSP violation or script error. With KB_SCREENSHOT_DIR set, every state is saved as a PNG."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import violations

pytestmark = pytest.mark.slow
ANSWER = "wat kost een nieuw paspoort"  # about the passport itself (the fee table is right too for the shorter one)
AMBIGUOUS = "ik wil een container"
OFF_TOPIC = "recept appeltaart"
WIDTHS = {"desktop": 1280, "320px": 320}


def search(question: str) -> str:
    return "/zoeken?" + urlencode({"q": question})


@pytest.fixture(scope="module", params=sorted(WIDTHS))
def axe_page(request, browser, live_api):
    context = browser.new_context(
        base_url=live_api, bypass_csp=True, locale="nl-NL", viewport={"width": WIDTHS[request.param], "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.width_name = request.param
    yield page
    context.close()


#: The states saved at 320 px as well (all states are saved at desktop width)
NARROW_SCREENSHOTS = ("antwoord", "suggesties")


def screenshot(page, state: str) -> None:
    """What the citizen sees first (the viewport), as docs/burger-<state>[-320px].png."""
    directory = os.environ.get("KB_SCREENSHOT_DIR")
    if not directory or (page.width_name != "desktop" and state not in NARROW_SCREENSHOTS):
        return
    suffix = "" if page.width_name == "desktop" else f"-{page.width_name}"
    page.screenshot(path=str(Path(directory) / f"burger-{state}{suffix}.png"))


def open_suggestions(page) -> None:
    page.goto("/zoeken")
    box = page.get_by_role("combobox", name="Wat wilt u weten?")
    box.press_sequentially("parkeer", delay=30)
    page.get_by_role("listbox", name="Suggesties").wait_for()
    box.press("ArrowDown")


def send_feedback(page) -> None:
    page.goto(search(ANSWER))
    page.get_by_label("Ja", exact=True).check()
    page.get_by_label("Opmerking (niet verplicht)").fill("Duidelijk antwoord")
    page.get_by_role("button", name="Verstuur").click()
    page.get_by_role("heading", name="Bedankt voor uw reactie").wait_for()


STATES = {
    "start": lambda page: page.goto("/zoeken"),
    "antwoord": lambda page: page.goto(search(ANSWER)),
    "bedoelt-u": lambda page: page.goto(search(AMBIGUOUS)),
    "geen-informatie": lambda page: page.goto(search(OFF_TOPIC)),
    "andere-taal": lambda page: page.goto(search("how do I register my new address after moving")),
    "suggesties": open_suggestions,
    "artikel": lambda page: page.goto("/zoeken/artikel/paspoort-aanvragen?" + urlencode({"q": ANSWER})),
    "bedankt": send_feedback,
    "niet-gevonden": lambda page: page.goto("/zoeken/artikel/bestaat-niet"),
    "levensgebeurtenis": lambda page: page.goto("/zoeken/levensgebeurtenis/verhuizen"),
}


@pytest.mark.parametrize("state", list(STATES))
def test_no_accessibility_violations(axe_page, state):
    STATES[state](axe_page)
    if state == "bedoelt-u":
        axe_page.get_by_role("heading", name="Bedoelt u ...?").wait_for()
    if state == "suggesties":
        assert axe_page.get_by_role("combobox").get_attribute("aria-expanded") == "true"
    screenshot(axe_page, state)
    assert violations(axe_page) == []


def test_the_page_fits_320_pixels(browser, live_api):
    context = browser.new_context(base_url=live_api, viewport={"width": 320, "height": 800})
    page = context.new_page()
    for path in ("/zoeken", search(ANSWER), "/zoeken/artikel/paspoort-aanvragen", "/zoeken/levensgebeurtenis/verhuizen"):
        page.goto(path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, path
    context.close()


def tab_to(page, check: str, limit: int = 60) -> None:
    """Press Tab until `check` (a JavaScript expression on `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({check})); }}"):
            return
    raise AssertionError(f"Tab never reached {check}")


def test_keyboard_only_with_the_policy_enforced(browser, live_api):
    context = browser.new_context(base_url=live_api, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/zoeken")

    tab_to(page, "el.id === 'zoekvraag'")
    page.keyboard.type("paspoo", delay=40)
    box = page.get_by_role("combobox", name="Wat wilt u weten?")
    listbox = page.get_by_role("listbox", name="Suggesties")
    listbox.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")  # no focus trap: Tab leaves the box and closes the list
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Zoeken"
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowDown")  # opens the list on the first option
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.get_attribute("aria-activedescendant") is None
    for key in ("ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp"):  # the second option
        page.keyboard.press(key)
    active = box.get_attribute("aria-activedescendant")
    assert active == "zoekvraag-optie-1"
    option = page.locator(f"#{active}")
    assert option.get_attribute("aria-selected") == "true"
    assert page.locator("[role=option][aria-selected=true]").count() == 1
    chosen = option.evaluate("el => el.firstChild.textContent")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("combobox").input_value() == chosen
    page.get_by_role("heading", name="Antwoord").wait_for()

    tab_to(page, "el.closest('.vbs-result')")
    first_result = page.evaluate("() => document.activeElement.textContent")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=first_result).wait_for()

    tab_to(page, "el.name === 'nuttig'")
    page.keyboard.press("Space")
    tab_to(page, "el.id === 'opmerking'", limit=3)
    page.keyboard.type("Goed uitgelegd")
    tab_to(page, "el.type === 'submit'", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bedankt voor uw reactie").wait_for()
    assert problems == []
    context.close()

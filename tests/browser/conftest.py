"""A real browser for the citizen search tests (Debian's chromium through Playwright) and the
axe-core check, both installed by `make test`, never fetched from a CDN."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.staff_ui.test_console_browser import CHROMIUM, CHROMIUM_FLAGS

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `apt-get install chromium` (make test installs it)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci --prefix tests/browser --no-audit --no-fund` (make test runs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
        for v in result["violations"]
    ]

"""The README fits one screen and points into docs/; the docs' links resolve and name every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCUMENTS = [README, ROOT / "kb" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?:#[^)]*)?\)")
# Words about how the product was made, not about what it does
HISTORY = re.compile(r"\b(sessions? \d|sessie \d|issues? \d|closing notes?|tickets? \d)", re.IGNORECASE)


def test_the_readme_fits_one_screen():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    assert [number for number, line in enumerate(lines, 1) if len(line) > 400] == []
    for topic in ("docs/api.md", "docs/configuration.md", "docs/quality.md", "docs/known-limits.md"):
        assert f"]({topic})" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(document):
    text = CODE.sub("", document.read_text(encoding="utf-8"))  # a link shown as an example is no link
    targets = [match["target"] for match in LINK.finditer(text) if not re.match(r"[a-z]+:", match["target"])]
    missing = [target for target in targets if not (document.parent / target).exists()]
    assert missing == [], f"{document.relative_to(ROOT)}: links to missing files {missing}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_documents_speak_of_the_product(document):
    text = document.read_text(encoding="utf-8")
    found = [f"{number}: {match[0]}" for number, line in enumerate(text.splitlines(), 1) for match in HISTORY.finditer(line)]
    assert found == []


def test_every_setting_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [f"KB_{name.upper()}" for name in Settings.model_fields if f"`KB_{name.upper()}`" not in documented]
    assert missing == []

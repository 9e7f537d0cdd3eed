import datetime as dt

from typer.testing import CliRunner

from indexer.validate import validate_article_text, validate_knowledge_base
from kb.cli import app
from kb.settings import Settings
from tests.conftest import SHIPPED_CONTENT
from tests.kb.test_articles import VALID


def settings_for(tmp_path):
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    return Settings(content_dir=content, data_dir=tmp_path / "data")


def test_shipped_knowledge_base_has_no_errors():
    report = validate_knowledge_base(Settings(content_dir=SHIPPED_CONTENT))
    assert report.files_checked >= 60
    assert report.errors == [], "\n".join(map(str, report.errors))
    assert len(report.articles) == report.files_checked


def test_reference_checks(tmp_path):
    settings = settings_for(tmp_path)
    text = (
        VALID.replace("department: burgerzaken", "department: brandweer")
        .replace("terms/paspoort", "terms/bestaat-niet")
        .replace("(paspoort-aanvragen.md)", "(nergens.md)")
    )
    (settings.content_dir / "voorbeeld.md").write_text(text, encoding="utf-8")
    report = validate_knowledge_base(settings, today=dt.date(2026, 11, 23))
    messages = {(p.line, p.message) for p in report.errors}
    assert (4, "unknown department 'brandweer' (see kb/departments.yaml)") in messages
    assert (5, "UPL URI not in the UPL list: http://standaarden.overheid.nl/owms/terms/bestaat-niet") in messages
    assert (19, "link to unknown article 'nergens.md'") in {(p.line, p.message) for p in report.warnings}
    assert report.articles == []


def test_a_broken_link_is_a_warning_and_the_article_stays_valid(tmp_path):
    settings = settings_for(tmp_path)
    text = VALID.replace("(paspoort-aanvragen.md)", "(verdwenen.md)")
    path = settings.content_dir / "voorbeeld.md"
    path.write_text(text, encoding="utf-8")
    report = validate_knowledge_base(settings, today=dt.date(2026, 11, 23))
    assert report.errors == []
    assert [(p.line, p.message) for p in report.warnings if "link" in p.message] == [(19, "link to unknown article 'verdwenen.md'")]
    assert [a.id for a in report.articles] == ["voorbeeld"]
    article, problems = validate_article_text(text, path, settings, others=[], today=dt.date(2026, 11, 23))
    assert article is not None and all(p.severity == "warning" for p in problems)


def test_staff_notes_in_a_public_section_make_the_article_invalid(tmp_path):
    settings = settings_for(tmp_path)
    text = VALID.replace("Een week.", "Een week.\n\n### Voor medewerkers\n\nGeheim.")
    (settings.content_dir / "voorbeeld.md").write_text(text, encoding="utf-8")
    report = validate_knowledge_base(settings, today=dt.date(2026, 11, 23))
    assert [(p.line, p.message) for p in report.errors if "staff" in p.message] == [
        (38, "staff notes under '### Voor medewerkers' are not allowed here: move them to the last section '## Voor medewerkers'")
    ]
    assert report.articles == [] and report.invalid_ids == {"voorbeeld"}


def test_duplicate_ids_and_old_review(tmp_path):
    settings = settings_for(tmp_path)
    (settings.content_dir / "voorbeeld.md").write_text(VALID, encoding="utf-8")
    (settings.content_dir / "kopie.md").write_text(VALID, encoding="utf-8")
    report = validate_knowledge_base(settings, today=dt.date(2028, 1, 1))
    assert any("duplicate id 'voorbeeld'" in p.message or "must equal the file name" in p.message for p in report.errors)
    assert any(p.severity == "warning" and "more than a year ago" in p.message for p in report.warnings)


def test_cli_prints_file_and_line_and_fails(tmp_path, monkeypatch):
    settings = settings_for(tmp_path)
    bad = settings.content_dir / "voorbeeld.md"
    bad.write_text(VALID.replace("## Kosten\n", ""), encoding="utf-8")
    monkeypatch.setenv("KB_CONTENT_DIR", str(settings.content_dir))
    from kb.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["validate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert f"{bad}:16: error: missing required section '## Kosten'" in result.output.replace("\n", "")


def test_cli_passes_on_shipped_content():
    result = CliRunner().invoke(app, ["validate", "--quiet"])
    assert result.exit_code == 0, result.output

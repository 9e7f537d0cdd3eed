"""Settings handed to another process through `KB_*` variables."""

from pathlib import Path

from pydantic import SecretStr

from kb.settings import Settings, settings_environment


def test_the_environment_gives_another_process_the_same_settings(tmp_path, monkeypatch):
    settings = Settings(
        data_dir=tmp_path / "data",
        qdrant_api_key=SecretStr("geheim"),
        staff_token=SecretStr("medewerker"),
        allowed_origins=["https://www.voorbeeldstad.nl"],
        record_unanswered=False,
        language_centering=0.25,
        off_topic_rejection_target=0.9,
    )
    environment = settings_environment(settings, leave_out=["staff_token"])
    assert "KB_STAFF_TOKEN" not in environment and "KB_QUERY_PREFIX" not in environment
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env file
    received = Settings()
    assert received.staff_token is None and received.qdrant_api_key.get_secret_value() == "geheim"
    assert received.model_dump(exclude={"staff_token", "qdrant_api_key"}) == settings.model_dump(
        exclude={"staff_token", "qdrant_api_key"}
    )
    assert received.data_dir == Path(tmp_path / "data")

